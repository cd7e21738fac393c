//===- Pass.h - Passes and their options ------------------------*- C++ -*-===//
//
// A pass is a small class with a flag name (`xb-tile`), a description and
// typed options declared as members:
//
//   class TilePass : public FunctionPass {
//     PassOption<int64_t> rows{*this, "rows", "Crossbar rows", 128};
//   };
//
// Options parse from the textual pipeline (`xb-tile{rows=64 cols=32}`) and
// print back in the same form, so a printed pipeline is accepted verbatim.
//
// Other types become option values by providing parseOptionValue,
// printOptionValue and getOptionTypeName overloads in their own namespace
// (found by argument-dependent lookup), as the crossbar vocabulary does
// (ohm/Target/Vocabulary.h: `PassOption<target::Encoding>`).
//
//===----------------------------------------------------------------------===//

#ifndef OHM_PASS_PASS_H
#define OHM_PASS_PASS_H

#include "ohm/Support/LogicalResult.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

namespace ohm {

class Function;
class Module;
class Pass;

/// One named option of a pass.
class PassOptionBase {
public:
  PassOptionBase(Pass &owner, llvm::StringRef name,
                 llvm::StringRef description);
  virtual ~PassOptionBase() = default;

  llvm::StringRef getName() const { return name; }
  llvm::StringRef getDescription() const { return description; }
  /// Parses `text`; on failure describes the problem in `error`.
  virtual LogicalResult parse(llvm::StringRef text, std::string &error) = 0;
  virtual void print(llvm::raw_ostream &os) const = 0;
  /// A short description of the value syntax, for --help.
  virtual std::string getValueDescription() const = 0;

private:
  llvm::StringRef name;
  llvm::StringRef description;
};

namespace detail {
LogicalResult parseOptionValue(llvm::StringRef text, int64_t &value,
                               std::string &error);
LogicalResult parseOptionValue(llvm::StringRef text, int &value,
                               std::string &error);
LogicalResult parseOptionValue(llvm::StringRef text, unsigned &value,
                               std::string &error);
LogicalResult parseOptionValue(llvm::StringRef text, bool &value,
                               std::string &error);
LogicalResult parseOptionValue(llvm::StringRef text, double &value,
                               std::string &error);
LogicalResult parseOptionValue(llvm::StringRef text, std::string &value,
                               std::string &error);
void printOptionValue(llvm::raw_ostream &os, int64_t value);
void printOptionValue(llvm::raw_ostream &os, int value);
void printOptionValue(llvm::raw_ostream &os, unsigned value);
void printOptionValue(llvm::raw_ostream &os, bool value);
void printOptionValue(llvm::raw_ostream &os, double value);
/// Strings print plain, "quoted" or {braced}, whichever parses back; a
/// comma needs quoting unless the value is a list (`allowComma`).
void printOptionValue(llvm::raw_ostream &os, const std::string &value,
                      bool allowComma = false);
/// A list element as plain text (strings unquoted).
template <typename T>
void printOptionElement(llvm::raw_ostream &os, const T &value) {
  printOptionValue(os, value); // Or an overload found by ADL.
}
inline void printOptionElement(llvm::raw_ostream &os,
                               const std::string &value) {
  os << value;
}
const char *getOptionTypeName(int64_t *);
const char *getOptionTypeName(int *);
const char *getOptionTypeName(unsigned *);
const char *getOptionTypeName(bool *);
const char *getOptionTypeName(double *);
const char *getOptionTypeName(std::string *);
} // namespace detail

/// The inclusive bounds of an integer option, checked when the option is
/// parsed (so a pipeline with a value out of range is refused before any
/// pass runs).
struct OptionRange {
  int64_t min, max;
};

/// An option holding one value of type T (integers, bool, double, string).
/// String options may restrict their values to a list of choices, integer
/// options to a range.
template <typename T> class PassOption : public PassOptionBase {
public:
  PassOption(Pass &owner, llvm::StringRef name, llvm::StringRef description,
             T defaultValue = T(), std::vector<std::string> choices = {})
      : PassOptionBase(owner, name, description),
        value(std::move(defaultValue)), choices(std::move(choices)) {}
  PassOption(Pass &owner, llvm::StringRef name, llvm::StringRef description,
             T defaultValue, OptionRange range)
      : PassOptionBase(owner, name, description),
        value(std::move(defaultValue)), range(range) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>,
                  "only integer options have a range");
  }

  const T &getValue() const { return value; }
  operator const T &() const { return value; }
  PassOption &operator=(T newValue) {
    value = std::move(newValue);
    return *this;
  }

  LogicalResult parse(llvm::StringRef text, std::string &error) override {
    using namespace detail; // Other types' overloads are found by ADL.
    T parsed;
    if (failed(parseOptionValue(text, parsed, error)))
      return failure();
    if constexpr (std::is_same_v<T, std::string>) {
      if (!choices.empty() &&
          std::find(choices.begin(), choices.end(), parsed) == choices.end()) {
        error = "'" + parsed + "' is not one of " + getValueDescription();
        return failure();
      }
    }
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (range &&
          (int64_t(parsed) < range->min || int64_t(parsed) > range->max)) {
        error = "'" + text.str() + "' is not in " + getValueDescription();
        return failure();
      }
    }
    value = std::move(parsed);
    return success();
  }
  void print(llvm::raw_ostream &os) const override {
    using namespace detail;
    printOptionValue(os, value);
  }
  std::string getValueDescription() const override {
    using namespace detail;
    if (range)
      return "[" + std::to_string(range->min) + ", " +
             std::to_string(range->max) + "]";
    if (choices.empty())
      return getOptionTypeName(static_cast<T *>(nullptr));
    std::string text;
    for (const std::string &choice : choices)
      text += (text.empty() ? "" : "|") + choice;
    return text;
  }

private:
  T value;
  std::vector<std::string> choices;
  llvm::Optional<OptionRange> range;
};

/// An option holding a comma-separated list: `sizes=1,2,3`.
template <typename T> class ListOption : public PassOptionBase {
public:
  ListOption(Pass &owner, llvm::StringRef name, llvm::StringRef description,
             std::vector<T> defaultValue = {})
      : PassOptionBase(owner, name, description),
        values(std::move(defaultValue)) {}

  const std::vector<T> &getValue() const { return values; }
  operator const std::vector<T> &() const { return values; }
  ListOption &operator=(std::vector<T> newValues) {
    values = std::move(newValues);
    return *this;
  }

  LogicalResult parse(llvm::StringRef text, std::string &error) override {
    using namespace detail;
    std::vector<T> parsed;
    if (!text.empty()) {
      llvm::SmallVector<llvm::StringRef, 8> parts;
      text.split(parts, ',');
      for (llvm::StringRef part : parts) {
        T element;
        if (failed(parseOptionValue(part.trim(), element, error)))
          return failure();
        parsed.push_back(std::move(element));
      }
    }
    values = std::move(parsed);
    return success();
  }
  /// Prints the elements joined by commas, quoted as one value when any
  /// element needs it (`layers="a b:3,c:4"`), so the text parses back.
  /// (An element that itself contains a comma cannot be written.)
  void print(llvm::raw_ostream &os) const override {
    std::string joined;
    llvm::raw_string_ostream text(joined);
    for (size_t i = 0; i < values.size(); ++i) {
      if (i)
        text << ',';
      detail::printOptionElement(text, values[i]);
    }
    if (!text.str().empty())
      detail::printOptionValue(os, text.str(), /*allowComma=*/true);
  }
  std::string getValueDescription() const override {
    using namespace detail;
    return std::string("list of ") +
           getOptionTypeName(static_cast<T *>(nullptr));
  }

private:
  std::vector<T> values;
};

/// A transformation or analysis over a module.
class Pass {
public:
  Pass(llvm::StringRef argument, llvm::StringRef description)
      : argument(argument), description(description) {}
  virtual ~Pass() = default;
  Pass(const Pass &) = delete;
  Pass &operator=(const Pass &) = delete;

  /// The flag name, e.g. `constant-fold`.
  llvm::StringRef getArgument() const { return argument; }
  llvm::StringRef getDescription() const { return description; }

  /// Runs the pass; emits diagnostics and returns failure on error.
  virtual LogicalResult run(Module &module) = 0;

  /// Parses `key=value key2=value` (the text between braces in a pipeline).
  /// Values may be quoted ("a b") or braced ({a b}).
  LogicalResult parseOptions(llvm::StringRef text, std::string &error);
  /// Prints `name{key=value ...}` with every option's current value.
  void printAsTextualPipeline(llvm::raw_ostream &os) const;
  llvm::ArrayRef<PassOptionBase *> getOptions() const { return options; }

private:
  friend class PassOptionBase;
  llvm::StringRef argument;
  llvm::StringRef description;
  std::vector<PassOptionBase *> options;
};

/// A pass that handles each function independently.
class FunctionPass : public Pass {
public:
  using Pass::Pass;
  LogicalResult run(Module &module) final;
  virtual LogicalResult runOnFunction(Function &fn) = 0;
};

} // namespace ohm

#endif // OHM_PASS_PASS_H
