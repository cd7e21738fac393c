# ohm_add_library(NAME SOURCES... [LINK_PUBLIC libs...] [LINK_PRIVATE libs...])
#
# One static library per lib/ folder. Every library sees the public headers
# under include/; what it links PUBLIC is only what its headers expose.
# The libraries of lib/ are installed and exported (ohmTargets:
# find_package(ohm), as ohm::NAME; docs/Architecture.md, "Installing");
# test/lib's are not.
function(ohm_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK_PUBLIC;LINK_PRIVATE" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${name} PUBLIC ${ARG_LINK_PUBLIC} PRIVATE ${ARG_LINK_PRIVATE})
  if(CMAKE_CURRENT_SOURCE_DIR MATCHES "^${PROJECT_SOURCE_DIR}/lib(/|$)")
    install(TARGETS ${name} EXPORT ohmTargets
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  endif()
endfunction()
