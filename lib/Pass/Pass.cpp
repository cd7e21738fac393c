//===- Pass.cpp - Passes, options, the registry and the pass manager ------===//

#include "ohm/Pass/Pass.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Module.h"
#include "ohm/Pass/PassManager.h"
#include "ohm/Pass/PassRegistry.h"

#include "ohm/Support/Timing.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ManagedStatic.h"

#include "llvm/ADT/StringMap.h"

#include <cmath>
#include <cstdio>

using namespace ohm;

//===----------------------------------------------------------------------===//
// Option values
//===----------------------------------------------------------------------===//

PassOptionBase::PassOptionBase(Pass &owner, llvm::StringRef name,
                               llvm::StringRef description)
    : name(name), description(description) {
  owner.options.push_back(this);
}

namespace ohm {
namespace detail {

LogicalResult parseOptionValue(llvm::StringRef text, int64_t &value,
                               std::string &error) {
  if (text.getAsInteger(10, value)) {
    error = "'" + text.str() + "' is not an integer";
    return failure();
  }
  return success();
}

LogicalResult parseOptionValue(llvm::StringRef text, int &value,
                               std::string &error) {
  if (text.getAsInteger(10, value)) {
    error = "'" + text.str() + "' is not an integer";
    return failure();
  }
  return success();
}

LogicalResult parseOptionValue(llvm::StringRef text, unsigned &value,
                               std::string &error) {
  if (text.getAsInteger(10, value)) {
    error = "'" + text.str() + "' is not a non-negative integer";
    return failure();
  }
  return success();
}

LogicalResult parseOptionValue(llvm::StringRef text, bool &value,
                               std::string &error) {
  if (text.empty() || text == "true" || text == "1") {
    value = true;
    return success();
  }
  if (text == "false" || text == "0") {
    value = false;
    return success();
  }
  error = "'" + text.str() + "' is not true or false";
  return failure();
}

LogicalResult parseOptionValue(llvm::StringRef text, double &value,
                               std::string &error) {
  if (text.getAsDouble(value)) {
    error = "'" + text.str() + "' is not a number";
    return failure();
  }
  return success();
}

LogicalResult parseOptionValue(llvm::StringRef text, std::string &value,
                               std::string &error) {
  value = text.str();
  return success();
}

void printOptionValue(llvm::raw_ostream &os, int64_t value) { os << value; }
void printOptionValue(llvm::raw_ostream &os, int value) { os << value; }
void printOptionValue(llvm::raw_ostream &os, unsigned value) { os << value; }
void printOptionValue(llvm::raw_ostream &os, bool value) {
  os << (value ? "true" : "false");
}
void printOptionValue(llvm::raw_ostream &os, double value) {
  // The shortest text that reads back as the same double.
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  os << buffer;
}
void printOptionValue(llvm::raw_ostream &os, const std::string &value,
                      bool allowComma) {
  bool plain = !value.empty() &&
               value.find_first_of(allowComma ? " \t\n{}\"=" : " \t\n{}\",=") ==
                   std::string::npos;
  if (plain)
    os << value;
  else if (value.find('"') == std::string::npos)
    os << '"' << value << '"';
  else
    os << '{' << value << '}';
}

const char *getOptionTypeName(int64_t *) { return "integer"; }
const char *getOptionTypeName(int *) { return "integer"; }
const char *getOptionTypeName(unsigned *) { return "unsigned"; }
const char *getOptionTypeName(bool *) { return "true|false"; }
const char *getOptionTypeName(double *) { return "number"; }
const char *getOptionTypeName(std::string *) { return "string"; }

} // namespace detail
} // namespace ohm

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

/// Reads a value: `"quoted"`, `{braced {nested}}` or up to the next space.
/// Returns false if a quote or brace is not closed.
static bool readOptionValue(llvm::StringRef &text, llvm::StringRef &value) {
  if (text.startswith("\"")) {
    size_t end = text.find('"', 1);
    if (end == llvm::StringRef::npos)
      return false;
    value = text.slice(1, end);
    text = text.drop_front(end + 1);
    return true;
  }
  if (text.startswith("{")) {
    unsigned depth = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '{')
        ++depth;
      else if (text[i] == '}' && --depth == 0) {
        value = text.slice(1, i);
        text = text.drop_front(i + 1);
        return true;
      }
    }
    return false;
  }
  size_t end = text.find_first_of(" \t\n");
  value = text.substr(0, end);
  text =
      end == llvm::StringRef::npos ? llvm::StringRef() : text.drop_front(end);
  return true;
}

LogicalResult Pass::parseOptions(llvm::StringRef text, std::string &error) {
  while (true) {
    text = text.ltrim();
    if (text.empty())
      return success();
    size_t keyEnd = text.find_first_of("= \t\n");
    llvm::StringRef key = text.substr(0, keyEnd);
    text = text.drop_front(key.size());
    llvm::StringRef value;
    bool hasValue = text.startswith("=");
    if (hasValue) {
      text = text.drop_front();
      if (!readOptionValue(text, value)) {
        error = "unterminated value for option '" + key.str() + "'";
        return failure();
      }
    }
    auto it = llvm::find_if(options, [&](PassOptionBase *option) {
      return option->getName() == key;
    });
    if (it == options.end()) {
      error = "pass '" + argument.str() + "' has no option '" + key.str() + "'";
      if (options.empty()) {
        error += " (it takes none)";
      } else {
        error += "; its options are";
        for (size_t i = 0; i < options.size(); ++i)
          error += (i ? ", " : " ") + options[i]->getName().str();
      }
      return failure();
    }
    std::string problem;
    if (failed((*it)->parse(value, problem))) {
      error = "invalid value for option '" + key.str() + "' of pass '" +
              argument.str() + "': " + problem;
      return failure();
    }
  }
}

void Pass::printAsTextualPipeline(llvm::raw_ostream &os) const {
  os << argument;
  if (options.empty())
    return;
  os << '{';
  for (size_t i = 0; i < options.size(); ++i) {
    if (i)
      os << ' ';
    os << options[i]->getName() << '=';
    options[i]->print(os);
  }
  os << '}';
}

LogicalResult FunctionPass::run(Module &module) {
  bool ok = true;
  for (Function &fn : module)
    if (failed(runOnFunction(fn)))
      ok = false;
  return success(ok);
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

static llvm::ManagedStatic<llvm::StringMap<PassInfo>> passRegistry;

void ohm::registerPass(llvm::StringRef argument, llvm::StringRef description,
                       std::function<std::unique_ptr<Pass>()> factory) {
  auto inserted = passRegistry->try_emplace(
      argument,
      PassInfo{argument.str(), description.str(), std::move(factory)});
  assert(inserted.second && "pass registered twice");
  (void)inserted;
}

const PassInfo *ohm::lookupPass(llvm::StringRef argument) {
  auto it = passRegistry->find(argument);
  return it == passRegistry->end() ? nullptr : &it->second;
}

std::vector<const PassInfo *> ohm::getRegisteredPasses() {
  std::vector<const PassInfo *> result;
  for (const auto &entry : *passRegistry)
    result.push_back(&entry.second);
  std::sort(result.begin(), result.end(),
            [](const PassInfo *a, const PassInfo *b) {
              return a->argument < b->argument;
            });
  return result;
}

std::unique_ptr<Pass> ohm::createPassFromText(llvm::StringRef argument,
                                              llvm::StringRef options,
                                              llvm::raw_ostream &errorStream) {
  const PassInfo *info = lookupPass(argument);
  if (!info) {
    errorStream << "unknown pass '" << argument << "'\n";
    return nullptr;
  }
  std::unique_ptr<Pass> pass = info->factory();
  std::string error;
  if (failed(pass->parseOptions(options, error))) {
    errorStream << error << "\n";
    return nullptr;
  }
  return pass;
}

LogicalResult ohm::parsePassPipeline(llvm::StringRef pipeline, PassManager &pm,
                                     llvm::raw_ostream &errorStream) {
  llvm::StringRef text = pipeline.trim();
  while (!text.empty()) {
    // A pass name, optionally followed by `{options}`.
    size_t nameEnd = text.find_first_of("{,");
    llvm::StringRef name = text.substr(0, nameEnd).trim();
    text = text.drop_front(std::min(nameEnd, text.size()));
    llvm::StringRef options;
    if (text.startswith("{")) {
      llvm::StringRef rest = text;
      if (!readOptionValue(rest, options)) {
        errorStream << "unbalanced '{' in the options of pass '" << name
                    << "'\n";
        return failure();
      }
      text = rest.ltrim();
    }
    if (name.empty()) {
      errorStream << "expected a pass name in pipeline '" << pipeline << "'\n";
      return failure();
    }
    std::unique_ptr<Pass> pass = createPassFromText(name, options, errorStream);
    if (!pass)
      return failure();
    pm.addPass(std::move(pass));
    if (text.empty())
      break;
    if (!text.consume_front(",")) {
      errorStream << "expected ',' after pass '" << name << "' in pipeline\n";
      return failure();
    }
    text = text.ltrim();
    if (text.empty()) {
      errorStream << "pipeline ends with ','\n";
      return failure();
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// PassManager
//===----------------------------------------------------------------------===//

void PassManager::enableIRPrinting(bool afterAll,
                                   std::vector<std::string> afterPasses,
                                   llvm::raw_ostream &os,
                                   PrintOptions options) {
  printAfterAll = afterAll;
  printAfter.clear();
  for (const std::string &name : afterPasses)
    printAfter.insert(name);
  printStream = &os;
  printOptions = options;
}

void PassManager::printAsTextualPipeline(llvm::raw_ostream &os) const {
  for (size_t i = 0; i < passes.size(); ++i) {
    if (i)
      os << ',';
    passes[i]->printAsTextualPipeline(os);
  }
}

LogicalResult PassManager::run(Module &module) {
  llvm::StringMap<unsigned> repetitions;
  for (const std::unique_ptr<Pass> &pass : passes) {
    llvm::Timer *timer = nullptr;
    if (timing) {
      unsigned count = ++repetitions[pass->getArgument()];
      std::string name = pass->getArgument().str();
      if (count > 1)
        name += " #" + std::to_string(count);
      timer = &timing->get(name);
      timer->startTimer();
    }
    LogicalResult result = pass->run(module);
    if (timer)
      timer->stopTimer();
    if (failed(result))
      return failure();
    if (verifyEach && failed(module.verify())) {
      emitError(UnknownLoc::get(ctx))
          << "the IR is invalid after pass '" << pass->getArgument() << "'";
      return failure();
    }
    if (printStream &&
        (printAfterAll || printAfter.count(pass->getArgument()))) {
      *printStream << "// -----// IR Dump After " << pass->getArgument()
                   << " //----- //\n";
      module.print(*printStream, printOptions);
      *printStream << "\n";
      printStream->flush();
    }
  }
  return success();
}
