# ohm_add_library(NAME SOURCES... [LINK_PUBLIC libs...] [LINK_PRIVATE libs...])
#
# One static library per lib/ folder. Every library sees the public headers
# under include/; what it links PUBLIC is only what its headers expose.
function(ohm_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK_PUBLIC;LINK_PRIVATE" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>)
  target_link_libraries(${name} PUBLIC ${ARG_LINK_PUBLIC} PRIVATE ${ARG_LINK_PRIVATE})
endfunction()
