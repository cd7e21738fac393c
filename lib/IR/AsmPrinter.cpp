//===- AsmPrinter.cpp - Printing IR as text -------------------------------===//
//
// Writes the generic syntax described in docs/IR.md. Everything printed here
// must parse back to the same IR through lib/Parser, and printing that IR
// again must give the same text; test/IR/round-trip.ohm holds us to it.
//
//===----------------------------------------------------------------------===//

#include "ohm/IR/AsmPrinter.h"
#include "ohm/IR/BuiltinOps.h"
#include "ohm/IR/Context.h"
#include "ohm/IR/Module.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace ohm;

//===----------------------------------------------------------------------===//
// Scalars and names
//===----------------------------------------------------------------------===//

static void printEscaped(llvm::raw_ostream &os, llvm::StringRef str) {
  os << '"';
  os.write_escaped(str, /*UseHexEscapes=*/true);
  os << '"';
}

/// Bare identifiers: letters, digits, `_`, `.`, `$`, not starting with a
/// digit. Anything else prints quoted.
/// The results of a function type: one bare type, or a parenthesized list
/// (always, for none or a function type, which would read as its inputs).
static void printResultTypes(llvm::raw_ostream &os,
                             llvm::ArrayRef<Type> results) {
  if (results.size() == 1 && !results[0].isa<FunctionType>()) {
    os << results[0];
    return;
  }
  os << '(';
  llvm::interleaveComma(results, os);
  os << ')';
}

static bool isBareIdentifier(llvm::StringRef str, bool allowDash) {
  if (str.empty() || !(llvm::isAlpha(str[0]) || str[0] == '_'))
    return false;
  return llvm::all_of(str, [&](char c) {
    return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$' ||
           (allowDash && c == '-');
  });
}

/// Rounds `value` to the nearest float of `width` bits (16, 32 or 64).
static double roundToWidth(double value, unsigned width) {
  if (width == 64)
    return value;
  if (width == 32)
    return float(value);
  llvm::APFloat half(value);
  bool losesInfo;
  half.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
               &losesInfo);
  half.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
               &losesInfo);
  return half.convertToDouble();
}

/// Prints a float so that it reads back as the same value of `width` bits:
/// the shortest decimal that round-trips, always with a `.` or exponent;
/// non-finite values as their IEEE bit pattern in hex.
static void printFloat(llvm::raw_ostream &os, double value, unsigned width) {
  if (!std::isfinite(value)) {
    if (width == 64) {
      uint64_t bits;
      std::memcpy(&bits, &value, sizeof(bits));
      os << llvm::format("0x%016llX", (unsigned long long)bits);
    } else if (width == 32) {
      float narrow = float(value);
      uint32_t bits;
      std::memcpy(&bits, &narrow, sizeof(bits));
      os << llvm::format("0x%08X", bits);
    } else {
      // f16: sign, all-ones exponent, and a quiet-NaN payload if NaN.
      uint16_t bits = std::isnan(value) ? 0x7E00 : 0x7C00;
      if (std::signbit(value))
        bits |= 0x8000;
      os << llvm::format("0x%04X", bits);
    }
    return;
  }
  char buffer[40];
  if (value == std::trunc(value) && std::fabs(value) < 1e16) {
    // Whole numbers read best without an exponent: 10.0, not 1e+01.
    std::snprintf(buffer, sizeof(buffer), "%.0f", value);
    if (std::signbit(value) && value == 0)
      std::snprintf(buffer, sizeof(buffer), "-0");
  } else {
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
      double back = std::strtod(buffer, nullptr);
      if (roundToWidth(back, width) == value)
        break;
    }
  }
  llvm::StringRef text(buffer);
  os << text;
  if (text.find_first_of(".e") == llvm::StringRef::npos)
    os << ".0";
}

void Type::print(llvm::raw_ostream &os) const {
  if (!impl) {
    os << "<<null type>>";
    return;
  }
  switch (getKind()) {
  case Kind::Integer: {
    auto intType = cast<IntegerType>();
    os << (intType.isSigned() ? 'i' : 'u') << intType.getWidth();
    return;
  }
  case Kind::Float:
    os << 'f' << cast<FloatType>().getWidth();
    return;
  case Kind::Index:
    os << "index";
    return;
  case Kind::Tensor: {
    auto tensorType = cast<TensorType>();
    os << "tensor<";
    for (int64_t dim : tensorType.getShape()) {
      if (dim == TensorType::kDynamic)
        os << '?';
      else
        os << dim;
      os << 'x';
    }
    os << tensorType.getElementType() << '>';
    return;
  }
  case Kind::Function: {
    auto fnType = cast<FunctionType>();
    os << '(';
    llvm::interleaveComma(fnType.getInputs(), os);
    os << ") -> ";
    printResultTypes(os, fnType.getResults());
    return;
  }
  case Kind::Dialect: {
    auto dialectType = cast<DialectType>();
    os << '!' << dialectType.getName();
    if (!dialectType.getParams().empty()) {
      os << '<';
      llvm::interleaveComma(dialectType.getParams(), os);
      os << '>';
    }
    return;
  }
  }
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

static void printDenseElement(llvm::raw_ostream &os, DenseElementsAttr attr,
                              int64_t index) {
  Type elementType = attr.getElementType();
  if (auto floatType = elementType.dyn_cast<FloatType>()) {
    printFloat(os, attr.getDouble(index), floatType.getWidth());
    return;
  }
  auto intType = elementType.dyn_cast<IntegerType>();
  if (intType && intType.isUnsigned())
    os << static_cast<uint64_t>(attr.getInt(index));
  else
    os << attr.getInt(index);
}

/// Prints dimensions [dim, rank) of the elements starting at `offset`.
static void printDenseList(llvm::raw_ostream &os, DenseElementsAttr attr,
                           llvm::ArrayRef<int64_t> shape, unsigned dim,
                           int64_t &offset) {
  os << '[';
  for (int64_t i = 0; i < shape[dim]; ++i) {
    if (i)
      os << ", ";
    if (dim + 1 == shape.size())
      printDenseElement(os, attr, offset++);
    else
      printDenseList(os, attr, shape, dim + 1, offset);
  }
  os << ']';
}

void ohm::printAttribute(Attribute attr, llvm::raw_ostream &os,
                         const PrintOptions &options) {
  if (!attr) {
    os << "<<null attribute>>";
    return;
  }
  switch (attr.getKind()) {
  case Attribute::Kind::Integer: {
    auto intAttr = attr.cast<IntegerAttr>();
    auto intType = intAttr.getType().dyn_cast<IntegerType>();
    if (intType && intType.isUnsigned())
      os << intAttr.getUInt();
    else
      os << intAttr.getInt();
    if (!intAttr.getType().isSignedInteger(64))
      os << " : " << intAttr.getType();
    return;
  }
  case Attribute::Kind::Float: {
    auto floatAttr = attr.cast<FloatAttr>();
    auto floatType = floatAttr.getType().cast<FloatType>();
    printFloat(os, floatAttr.getValue(), floatType.getWidth());
    // Non-finite values print as hex, which needs the type to read as float.
    if (floatType.getWidth() != 64 || !std::isfinite(floatAttr.getValue()))
      os << " : " << floatType;
    return;
  }
  case Attribute::Kind::Bool:
    os << (attr.cast<BoolAttr>().getValue() ? "true" : "false");
    return;
  case Attribute::Kind::String:
    printEscaped(os, attr.cast<StringAttr>().getValue());
    return;
  case Attribute::Kind::Array: {
    os << '[';
    llvm::interleaveComma(
        attr.cast<ArrayAttr>().getValue(), os,
        [&](Attribute element) { printAttribute(element, os, options); });
    os << ']';
    return;
  }
  case Attribute::Kind::Type:
    os << attr.cast<TypeAttr>().getValue();
    return;
  case Attribute::Kind::Unit:
    os << "unit";
    return;
  case Attribute::Kind::DenseElements: {
    auto dense = attr.cast<DenseElementsAttr>();
    int64_t numElements = dense.getNumElements();
    os << "dense<";
    if (dense.isSplat()) {
      printDenseElement(os, dense, 0);
    } else if (options.elideElementsLargerThan >= 0 &&
               numElements > options.elideElementsLargerThan) {
      os << "__elided__";
    } else if (numElements <= options.maxListElements) {
      int64_t offset = 0;
      llvm::ArrayRef<int64_t> shape = dense.getType().getShape();
      if (shape.empty())
        printDenseElement(os, dense, 0);
      else
        printDenseList(os, dense, shape, 0, offset);
    } else {
      llvm::ArrayRef<char> data = dense.getRawData();
      os << "\"0x"
         << llvm::toHex(llvm::StringRef(data.data(), data.size()),
                        /*LowerCase=*/false)
         << '"';
    }
    os << "> : " << dense.getType();
    return;
  }
  }
}

void Attribute::print(llvm::raw_ostream &os) const {
  printAttribute(*this, os, PrintOptions());
}

//===----------------------------------------------------------------------===//
// Functions and ops
//===----------------------------------------------------------------------===//

namespace {
/// Prints one function, naming values from their hints (made unique) or
/// with numbers.
class FunctionPrinter {
public:
  FunctionPrinter(llvm::raw_ostream &os, const PrintOptions &options)
      : os(os), options(options) {}

  void print(Function &fn);
  void printOp(Operation &op);
  void assignNames(Function &fn);

private:
  void printValueName(Value *value);
  void printLoc(Location loc);
  bool shouldPrintLoc(Location loc) const;
  void nameValue(Value *value);
  void printAttrDict(llvm::ArrayRef<NamedAttribute> attrs);

  llvm::raw_ostream &os;
  const PrintOptions &options;
  llvm::DenseMap<Value *, std::string> names;
  llvm::StringSet<> used;
  unsigned nextNumber = 0;
};
} // namespace

/// Characters a name hint may keep; others become `_`. A hint of only
/// digits would clash with the numbering and gets a `_` prefix.
static std::string sanitizeHint(llvm::StringRef hint) {
  std::string name;
  name.reserve(hint.size() + 1);
  for (char c : hint)
    name += (llvm::isAlnum(c) || c == '_' || c == '.' || c == '$' || c == '-')
                ? c
                : '_';
  if (!name.empty() && llvm::all_of(name, llvm::isDigit))
    name.insert(name.begin(), '_');
  return name;
}

void FunctionPrinter::assignNames(Function &fn) {
  // Hinted names first, so that numbering skips them.
  std::vector<Value *> values;
  for (BlockArgument *arg : fn.getBody().getArguments())
    values.push_back(arg);
  for (Operation &op : fn.getBody())
    for (unsigned i = 0, e = op.getNumResults(); i < e; ++i)
      values.push_back(op.getResult(i));
  for (Value *value : values) {
    if (value->getNameHint().empty())
      continue;
    std::string name = sanitizeHint(value->getNameHint());
    if (!used.insert(name).second) {
      for (unsigned suffix = 1;; ++suffix) {
        std::string candidate = name + "_" + std::to_string(suffix);
        if (used.insert(candidate).second) {
          name = std::move(candidate);
          break;
        }
      }
    }
    names[value] = std::move(name);
  }
  for (Value *value : values)
    if (!names.count(value))
      nameValue(value);
}

void FunctionPrinter::nameValue(Value *value) {
  std::string name;
  do
    name = std::to_string(nextNumber++);
  while (used.count(name));
  used.insert(name);
  names[value] = std::move(name);
}

void FunctionPrinter::printValueName(Value *value) {
  auto it = names.find(value);
  if (it == names.end()) {
    os << "%<<unknown value>>";
    return;
  }
  os << '%' << it->second;
}

bool FunctionPrinter::shouldPrintLoc(Location loc) const {
  switch (loc.getKind()) {
  case Location::Kind::Unknown:
  case Location::Kind::FileLineCol:
    // With debug info, unknown prints too: otherwise the parser would give
    // the reparsed op a position and the round trip would change it.
    return options.printDebugInfo;
  case Location::Kind::Name:
    return true;
  case Location::Kind::Fused:
    return options.printDebugInfo ||
           llvm::any_of(
               loc.cast<FusedLoc>().getLocations(),
               [](Location inner) { return !inner.isa<FileLineColLoc>(); });
  }
  return false;
}

void FunctionPrinter::printLoc(Location loc) {
  if (!shouldPrintLoc(loc))
    return;
  os << " loc(";
  if (auto fused = loc.dyn_cast<FusedLoc>(); fused && !options.printDebugInfo) {
    // Positions are omitted; a fusion left with one member prints as that
    // member, which is what parsing a one-member fusion gives back.
    llvm::SmallVector<Location, 4> kept;
    for (Location inner : fused.getLocations())
      if (!inner.isa<FileLineColLoc>())
        kept.push_back(inner);
    if (kept.size() == 1) {
      kept[0].print(os, /*printPositions=*/false);
      os << ')';
      return;
    }
  }
  loc.print(os, options.printDebugInfo);
  os << ')';
}

void FunctionPrinter::printAttrDict(llvm::ArrayRef<NamedAttribute> attrs) {
  os << '{';
  llvm::interleaveComma(attrs, os, [&](const NamedAttribute &attr) {
    if (isBareIdentifier(attr.name, /*allowDash=*/false))
      os << attr.name;
    else
      printEscaped(os, attr.name);
    os << " = ";
    printAttribute(attr.value, os, options);
  });
  os << '}';
}

void FunctionPrinter::printOp(Operation &op) {
  if (op.isa<ReturnOp>()) {
    os << "return";
    if (op.getNumOperands()) {
      os << ' ';
      llvm::interleaveComma(op.getOperands(), os,
                            [&](Value *value) { printValueName(value); });
      os << " : ";
      llvm::interleaveComma(op.getOperands(), os,
                            [&](Value *value) { os << value->getType(); });
    }
    printLoc(op.getLoc());
    return;
  }

  if (op.getNumResults()) {
    llvm::interleaveComma(op.getResults(), os,
                          [&](Value *value) { printValueName(value); });
    os << " = ";
  }
  os << op.getName() << '(';
  llvm::interleaveComma(op.getOperands(), os,
                        [&](Value *value) { printValueName(value); });
  os << ')';
  if (!op.getAttrs().empty()) {
    os << ' ';
    printAttrDict(op.getAttrs());
  }
  os << " : (";
  llvm::interleaveComma(op.getOperands(), os,
                        [&](Value *value) { os << value->getType(); });
  os << ") -> ";
  if (op.getNumResults() == 1 &&
      !op.getResult(0)->getType().isa<FunctionType>()) {
    os << op.getResult(0)->getType();
  } else {
    os << '(';
    llvm::interleaveComma(op.getResults(), os,
                          [&](Value *value) { os << value->getType(); });
    os << ')';
  }
  printLoc(op.getLoc());
}

void FunctionPrinter::print(Function &fn) {
  assignNames(fn);
  os << "func @";
  if (isBareIdentifier(fn.getName(), /*allowDash=*/true))
    os << fn.getName();
  else
    printEscaped(os, fn.getName());
  os << '(';
  llvm::interleaveComma(fn.getBody().getArguments(), os,
                        [&](BlockArgument *arg) {
                          printValueName(arg);
                          os << ": " << arg->getType();
                          printLoc(arg->getLoc());
                        });
  os << ')';
  llvm::ArrayRef<Type> results = fn.getType().getResults();
  if (!results.empty()) {
    os << " -> ";
    printResultTypes(os, results);
  }
  if (!fn.getAttrs().empty()) {
    os << " attributes ";
    printAttrDict(fn.getAttrs());
  }
  os << " {\n";
  for (Operation &op : fn.getBody()) {
    os << "  ";
    printOp(op);
    os << '\n';
  }
  os << "}\n";
}

void Function::print(llvm::raw_ostream &os) {
  PrintOptions options;
  FunctionPrinter(os, options).print(*this);
}

void Module::print(llvm::raw_ostream &os) { print(os, PrintOptions()); }

void Module::print(llvm::raw_ostream &os, const PrintOptions &options) {
  bool first = true;
  for (Function &fn : *this) {
    if (!first)
      os << '\n';
    first = false;
    FunctionPrinter(os, options).print(fn);
  }
}

void Module::dump() { print(llvm::errs()); }

void Operation::print(llvm::raw_ostream &os) {
  PrintOptions options;
  FunctionPrinter printer(os, options);
  if (Function *fn = getParentFunction())
    printer.assignNames(*fn);
  printer.printOp(*this);
}

void Operation::dump() {
  print(llvm::errs());
  llvm::errs() << "\n";
}
