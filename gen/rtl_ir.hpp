// The generator's structural description of a design (stage 2 of config -> IR -> check -> print):
// modules with parameters, localparams, ports, nets, clocked register groups, continuous assignments,
// instances and labelled generate blocks. The builder (rtl_build) makes every design decision and writes
// it here; the checker (check_design) validates names and widths; the printer (rtl_print) only formats.
// Comments are data here (a line, or a list of lines), never Verilog text: no string of the description
// holds a comment marker or a line break; the printer alone decides how a comment is written, and the
// checker rejects any string that would smuggle printer syntax in.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace sysmt::rtl {

// A width both as the text printed in the Verilog (a constant expression over the module's parameters,
// e.g. "ROWS*T*8") and as the number of bits the builder means. The checker evaluates `expr` in the
// module's scope and requires it to equal `bits`.
struct Width {
  std::string expr;
  int bits = 1;
};
Width W(int bits);                           // a literal width
Width W(const std::string& expr, int bits);  // a symbolic width

enum class Dir { In, Out };

struct Port {
  std::string name;
  Dir dir = Dir::In;
  Width width;
  std::string comment;
};

// A constant: `parameter` (overridable, with a default) or `localparam` (derived, fixed).
struct Param {
  std::string name;
  std::string expr;  // constant expression over earlier parameters
  std::string comment;
};

enum class NetKind { Wire, Reg };

struct Net {
  std::string name;
  NetKind kind = NetKind::Wire;
  Width width;
  std::string comment;
  // Built bit-slice by bit-slice from itself (a reduction chain): tells Verilator to split it, otherwise
  // its scheduler reports a false combinational loop (UNOPTFLAT). Other tools ignore the comment.
  bool split_var = false;
};

// assign lhs[slice] = rhs;  `lhs_bits` is the width of the assigned part.
struct Assign {
  std::string lhs;    // a declared wire or output port
  std::string slice;  // "" or e.g. "[r*8 +: 8]"
  int lhs_bits = 1;
  std::string rhs;
};

// One clocked register with synchronous active-low reset to zero: q <= rst ? 0 : d.
struct RegUpdate {
  std::string q;      // declared Reg net, named *_q
  std::string d;      // next-value expression (usually a *_d wire)
  std::string reset;  // the all-zero literal of q's width
};

// always @(posedge clk) with a synchronous reset that clears every register of the group. `clock` may
// name a gated clock instead (a 1-bit wire of the module, array.gating: clock).
struct RegGroup {
  std::vector<std::string> comment;  // lines printed above the always block
  std::vector<RegUpdate> regs;
  std::string clock = "clk";
};

struct Connection {
  std::string port;
  std::string expr;
  int bits = 1;  // width of expr as the builder computed it; must equal the port's width
};

struct ParamOverride {
  std::string name;
  std::string expr;
  long long value = 0;  // value the builder means; the checker evaluates expr when it can
};

struct Instance {
  std::string module;
  std::string name;
  std::vector<ParamOverride> params;
  std::vector<Connection> conns;
  std::vector<std::string> comment;  // lines printed above the instance
};

// A comment of its own between items: one or more lines of plain text.
struct Comment {
  std::vector<std::string> lines;
};

struct GenFor;
struct GenIf;

using Item = std::variant<Comment, Assign, RegGroup, Instance, GenFor, GenIf>;

// A scope of declarations and items: a module body or a generate block.
struct Block {
  std::vector<Net> nets;
  std::vector<Item> items;
};

// for (genvar = 0; genvar < count; genvar = genvar + 1) begin : label ... end
struct GenFor {
  std::string label;
  std::string genvar;
  std::string count_expr;
  int count = 0;
  Block body;
};

// if (cond) begin : then_label ... end else begin : else_label ... end (else part optional)
struct GenIf {
  std::string cond;
  std::string then_label;
  Block then_body;
  std::string else_label;
  Block else_body;
};

struct Module {
  std::string name;
  std::string role;                // one line: what this module is, printed in its header
  std::vector<std::string> notes;  // further header lines (e.g. the top's timing contract)
  std::vector<Param> params;       // overridable parameters (printed in #( ... ))
  std::vector<Param> localparams;  // derived constants
  std::vector<Port> ports;
  Block body;
};

struct Design {
  std::string top;
  std::string prefix;           // every module is `prefix` or starts with `prefix_`
  std::vector<Module> modules;  // in print order; the top module last
};

// Validates the design; throws std::logic_error listing every problem (a generator bug, not user input).
// Besides names and widths: no string anywhere in the design holds a line break or a comment marker
// (`//`, `/*`, `*/`), so an expression or a comment line can never carry printer syntax.
void check_design(const Design& d);

// Evaluates a constant integer expression (+ - * / % parentheses, comparison-free) with the given names.
// Returns false when it refers to an unknown name or is malformed.
bool eval_const(const std::string& expr, const std::vector<std::pair<std::string, long long>>& scope, long long& out);

bool is_identifier(const std::string& s);
bool is_verilog_keyword(const std::string& s);

}  // namespace sysmt::rtl
