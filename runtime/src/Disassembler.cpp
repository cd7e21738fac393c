//===- Disassembler.cpp - Programs as text --------------------------------===//
//
// The text both `ohmc --emit=asm` and `ohm-sim --disasm` print. The header
// lists the target, arrays, constants, buffers and ports; the code section
// prints one instruction per line as `index  opcode  field=value ...`, with
// every field of the instruction in declaration order (protobuf reflection,
// so a new field is printed without touching this file). Buffer operands
// print as %id, arrays as a<id>, constants as c<id>.
//
//===----------------------------------------------------------------------===//

#include "ohmrt/Runtime.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

using namespace ohmrt;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace {

std::string formatFloat(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

/// An f32 field as the shortest decimal that reads back as the same f32
/// (0.1, not 0.100000001), as the IR printer writes f32 attributes.
std::string formatF32(float value) {
  char text[32];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, double(value));
    if (std::strtof(text, nullptr) == value || value != value)
      break;
  }
  return text;
}

std::string lower(std::string text) {
  for (char &c : text)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string typeName(const program::ElementType &type) {
  std::string name = getDTypeName(type.dtype());
  unsigned storage = getStorageBytes(type.dtype()) * 8;
  if (type.bits() && type.bits() != storage && type.dtype() != program::BOOL)
    name =
        name.substr(0, 1) + std::to_string(type.bits()) + "(in " + name + ")";
  return name;
}

std::string dimsText(const google::protobuf::RepeatedField<int64_t> &dims) {
  std::string text = "[";
  for (int i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

/// How a field's integer values print: %buffer, a<array>, c<constant>.
std::string prefixFor(const std::string &field) {
  if (field == "src" || field == "dst" || field == "srcs" || field == "lhs" ||
      field == "rhs" || field == "rows")
    return "%";
  if (field == "arrays")
    return "a";
  if (field == "constant")
    return "c";
  return "";
}

std::string scalarText(const Message &m, const Reflection &r,
                       const FieldDescriptor *f, int index) {
  bool repeated = f->is_repeated();
  switch (f->cpp_type()) {
  case FieldDescriptor::CPPTYPE_INT32:
    return std::to_string(repeated ? r.GetRepeatedInt32(m, f, index)
                                   : r.GetInt32(m, f));
  case FieldDescriptor::CPPTYPE_INT64:
    return std::to_string(repeated ? r.GetRepeatedInt64(m, f, index)
                                   : r.GetInt64(m, f));
  case FieldDescriptor::CPPTYPE_UINT32:
    return prefixFor(f->name()) +
           std::to_string(repeated ? r.GetRepeatedUInt32(m, f, index)
                                   : r.GetUInt32(m, f));
  case FieldDescriptor::CPPTYPE_UINT64:
    return std::to_string(repeated ? r.GetRepeatedUInt64(m, f, index)
                                   : r.GetUInt64(m, f));
  case FieldDescriptor::CPPTYPE_FLOAT:
    return formatF32(repeated ? r.GetRepeatedFloat(m, f, index)
                              : r.GetFloat(m, f));
  case FieldDescriptor::CPPTYPE_DOUBLE:
    return formatFloat(repeated ? r.GetRepeatedDouble(m, f, index)
                                : r.GetDouble(m, f));
  case FieldDescriptor::CPPTYPE_BOOL:
    return (repeated ? r.GetRepeatedBool(m, f, index) : r.GetBool(m, f))
               ? "true"
               : "false";
  case FieldDescriptor::CPPTYPE_ENUM:
    return lower(repeated ? r.GetRepeatedEnum(m, f, index)->name()
                          : r.GetEnum(m, f)->name());
  case FieldDescriptor::CPPTYPE_STRING: {
    std::string value =
        repeated ? r.GetRepeatedString(m, f, index) : r.GetString(m, f);
    std::string quoted = "\"";
    for (char c : value)
      quoted += (c == '"' || c == '\\') ? std::string("\\") + c
                : std::isprint(static_cast<unsigned char>(c))
                    ? std::string(1, c)
                    : "?";
    return quoted + "\"";
  }
  case FieldDescriptor::CPPTYPE_MESSAGE:
    return "{...}";
  }
  return "?";
}

/// Every field of an instruction, in declaration order.
std::string fieldsText(const Message &m) {
  const Reflection &r = *m.GetReflection();
  const auto *descriptor = m.GetDescriptor();
  std::string text;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor *f = descriptor->field(i);
    text += " " + f->name() + "=";
    if (!f->is_repeated()) {
      text += scalarText(m, r, f, 0);
      continue;
    }
    text += "[";
    for (int j = 0, e = r.FieldSize(m, f); j < e; ++j)
      text += (j ? ", " : "") + scalarText(m, r, f, j);
    text += "]";
  }
  return text;
}

std::string constantValues(const program::Constant &c) {
  unsigned bytes = getStorageBytes(c.type().dtype());
  int64_t count = bytes ? int64_t(c.data().size()) / bytes : 0;
  std::string text = "[";
  const int64_t shown = 16;
  for (int64_t i = 0; i < count && i < shown; ++i) {
    const char *p = c.data().data() + i * bytes;
    std::string value;
    switch (c.type().dtype()) {
    case program::U8:
    case program::BOOL:
      value = std::to_string(*reinterpret_cast<const uint8_t *>(p));
      break;
    case program::I8:
      value = std::to_string(*reinterpret_cast<const int8_t *>(p));
      break;
    case program::U16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      value = std::to_string(v);
      break;
    }
    case program::I16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      value = std::to_string(v);
      break;
    }
    case program::U32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      value = std::to_string(v);
      break;
    }
    case program::I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      value = std::to_string(v);
      break;
    }
    case program::U64: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      value = std::to_string(v);
      break;
    }
    case program::I64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      value = std::to_string(v);
      break;
    }
    case program::F32: {
      float v;
      std::memcpy(&v, p, 4);
      value = formatFloat(v);
      break;
    }
    case program::F64: {
      double v;
      std::memcpy(&v, p, 8);
      value = formatFloat(v);
      break;
    }
    default:
      value = "?";
    }
    text += (i ? ", " : "") + value;
  }
  if (count > shown)
    text += ", ... (" + std::to_string(count) + " values)";
  return text + "]";
}

} // namespace

const std::string &ohmrt::getOpcodeName(const program::Instruction &inst) {
  static const std::string unknown = "?";
  const auto *oneof = inst.GetDescriptor()->FindOneofByName("op");
  const FieldDescriptor *field =
      inst.GetReflection()->GetOneofFieldDescriptor(inst, oneof);
  return field ? field->name() : unknown;
}

std::string ohmrt::disassemble(const program::Program &p) {
  std::ostringstream os;
  const program::TargetInfo &t = p.target();
  os << "; ohm program, format version " << p.version() << "\n";
  os << "; model: \"" << p.model() << "\"\n";
  os << "; target: " << t.name() << ": " << t.cores() << " cores x "
     << t.arrays_per_core() << " arrays of " << t.rows() << "x" << t.cols()
     << " cells of " << t.cell_bits() << " bits; DAC " << t.dac_bits()
     << " bits, ADC " << t.adc_bits() << " bits per " << t.cols_per_adc()
     << " columns; at most " << t.max_active_rows() << " active rows\n";
  os << "; memory per inference: global " << p.global_bytes()
     << " bytes, scratchpad " << p.scratchpad_bytes() << " bytes per core\n";

  os << "\narrays:\n";
  for (const auto &a : p.arrays())
    os << "  a" << a.id() << "  core " << a.core() << "  " << a.rows() << "x"
       << a.cols() << " cells of " << a.cell_bits() << " bits\n";
  os << "\nconstants:\n";
  for (const auto &c : p.constants())
    os << "  c" << c.id() << "  " << typeName(c.type()) << dimsText(c.dims())
       << " = " << constantValues(c) << "\n";
  os << "\nbuffers:\n";
  for (const auto &b : p.buffers()) {
    os << "  %" << b.id() << "  " << typeName(b.type()) << dimsText(b.dims())
       << (b.batched() ? " batched" : "") << "  "
       << (b.space() == program::GLOBAL
               ? std::string("global")
               : "scratchpad." + std::to_string(b.core()))
       << " @" << b.offset() << " +" << b.size();
    if (!b.name().empty())
      os << "  \"" << b.name() << "\"";
    os << "\n";
  }
  auto ports =
      [&](const char *title,
          const google::protobuf::RepeatedPtrField<program::Port> &list) {
        os << "\n" << title << ":\n";
        for (const auto &port : list) {
          os << "  \"" << port.name() << "\" = %" << port.buffer();
          if (port.scale() != 0)
            os << "  scale " << formatFloat(port.scale()) << " zero_point "
               << port.zero_point();
          os << "\n";
        }
      };
  ports("inputs", p.inputs());
  ports("outputs", p.outputs());

  os << "\ncode:\n";
  for (int i = 0; i < p.instructions_size(); ++i) {
    const program::Instruction &inst = p.instructions(i);
    const Reflection &r = *inst.GetReflection();
    const auto *oneof = inst.GetDescriptor()->FindOneofByName("op");
    const FieldDescriptor *field = r.GetOneofFieldDescriptor(inst, oneof);
    char index[16];
    std::snprintf(index, sizeof(index), "%6d", i);
    os << index << "  ";
    if (!field) {
      os << "<unknown opcode>\n";
      continue;
    }
    os << field->name() << fieldsText(r.GetMessage(inst, field)) << "\n";
  }
  return os.str();
}
