// Helpers shared by the builder's parts (array.cpp, pe*.cpp, accumulate.cpp, submul.cpp): literals,
// sign extension and a small appender for the declarations and items of one block. Internal to sysmt_gen.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gen/rtl_ir.hpp"

namespace sysmt::rtl::build {

inline std::string S(long long v) { return std::to_string(v); }

// Sized decimal literal, e.g. 4'd7.
inline std::string lit(int bits, long long v) { return S(bits) + "'d" + S(v); }

// The all-zero value of a width.
inline std::string zero(const Width& w) {
  if (w.bits == 1) return "1'b0";
  bool numeric = std::all_of(w.expr.begin(), w.expr.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric) return lit(w.bits, 0);
  return "{" + w.expr + "{1'b0}}";
}

// Sign-extends `e` (`from` bits wide, sign bit `msb`) to `to` bits; to >= from.
inline std::string sext(const std::string& e, const std::string& msb, int from, int to) {
  if (to == from) return e;
  return "{{" + S(to - from) + "{" + msb + "}}, " + e + "}";
}

inline int clog2(int v) {
  int b = 0;
  while ((1 << b) < v) ++b;
  return b;
}

using Lines = std::vector<std::string>;

// Appends declarations and items to one block.
struct Body {
  Block& b;
  void wire(const std::string& n, Width w, const std::string& c = "") { b.nets.push_back(Net{n, NetKind::Wire, w, c}); }
  void reg(const std::string& n, Width w, const std::string& c = "") { b.nets.push_back(Net{n, NetKind::Reg, w, c}); }
  void assign(const std::string& lhs, int bits, const std::string& rhs) { b.items.push_back(Assign{lhs, "", bits, rhs}); }
  void assign_slice(const std::string& lhs, const std::string& slice, int bits, const std::string& rhs) {
    b.items.push_back(Assign{lhs, slice, bits, rhs});
  }
  // Declares a wire and drives it.
  void define(const std::string& n, Width w, const std::string& rhs, const std::string& c = "") {
    wire(n, w, c);
    assign(n, w.bits, rhs);
  }
  // Built in place: moving a variant that holds vectors trips GCC 12's -Wmaybe-uninitialized.
  void comment(Lines lines) { std::get<Comment>(b.items.emplace_back(std::in_place_type<Comment>)).lines = std::move(lines); }
  void regs(Lines c, std::vector<RegUpdate> r, const std::string& clock = "clk") {
    RegGroup& g = std::get<RegGroup>(b.items.emplace_back(std::in_place_type<RegGroup>));
    g.comment = std::move(c);
    g.regs = std::move(r);
    g.clock = clock;
  }
  void item(Item it) { b.items.push_back(std::move(it)); }
};

inline Port in(const std::string& n, Width w, const std::string& c = "") { return Port{n, Dir::In, std::move(w), c}; }
inline Port out(const std::string& n, Width w, const std::string& c = "") { return Port{n, Dir::Out, std::move(w), c}; }

}  // namespace sysmt::rtl::build
