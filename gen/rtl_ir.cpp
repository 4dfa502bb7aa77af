// Checker of the structural description: names (identifiers, prefixes, uniqueness, `_q` registers) and
// widths (every symbolic width evaluates to the bits the builder meant; every instance connects every
// port once, with the port's width). A failure is a generator bug and names every problem found.
#include "gen/rtl_ir.hpp"

#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace sysmt::rtl {

Width W(int bits) { return Width{std::to_string(bits), bits}; }
Width W(const std::string& expr, int bits) { return Width{expr, bits}; }

bool is_verilog_keyword(const std::string& s) {
  static const std::set<std::string> kw = {
      "always",  "and",     "assign",     "automatic",   "begin",       "buf",       "case",         "casex",      "casez",
      "cell",    "config",  "deassign",   "default",     "defparam",    "design",    "disable",      "edge",       "else",
      "end",     "endcase", "endconfig",  "endfunction", "endgenerate", "endmodule", "endprimitive", "endspecify", "endtable",
      "endtask", "event",   "for",        "force",       "forever",     "fork",      "function",     "generate",   "genvar",
      "if",      "ifnone",  "initial",    "inout",       "input",       "instance",  "integer",      "join",       "large",
      "liblist", "library", "localparam", "macromodule", "medium",      "module",    "nand",         "negedge",    "nor",
      "not",     "or",      "output",     "parameter",   "posedge",     "reg",       "release",      "repeat",     "signed",
      "small",   "specify", "specparam",  "strong0",     "strong1",     "supply0",   "supply1",      "table",      "task",
      "time",    "tri",     "unsigned",   "use",         "wait",        "while",     "wire",         "wor",        "xnor",
      "xor",     "logic",   "bit",        "byte",        "int",         "always_ff", "always_comb",  "interface",  "package",
      "class"};
  return kw.count(s) != 0;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return !is_verilog_keyword(s);
}

namespace {

// Recursive-descent evaluator for constant expressions.
struct Eval {
  const std::string& s;
  const std::vector<std::pair<std::string, long long>>& scope;
  size_t i = 0;
  bool ok = true;

  void ws() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  long long primary() {
    ws();
    if (i >= s.size()) return ok = false, 0;
    if (s[i] == '(') {
      ++i;
      long long v = sum();
      ws();
      if (i >= s.size() || s[i] != ')') return ok = false, 0;
      ++i;
      return v;
    }
    if (s[i] == '-') {
      ++i;
      return -primary();
    }
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      long long v = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) v = v * 10 + (s[i++] - '0');
      return v;
    }
    size_t b = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    std::string id = s.substr(b, i - b);
    for (auto it = scope.rbegin(); it != scope.rend(); ++it)
      if (it->first == id) return it->second;
    return ok = false, 0;
  }
  long long product() {
    long long v = primary();
    for (;;) {
      ws();
      if (i < s.size() && (s[i] == '*' || s[i] == '/' || s[i] == '%')) {
        char op = s[i++];
        long long r = primary();
        if (op == '*')
          v *= r;
        else if (r == 0)
          return ok = false, 0;
        else
          v = op == '/' ? v / r : v % r;
      } else {
        return v;
      }
    }
  }
  long long sum() {
    long long v = product();
    for (;;) {
      ws();
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        char op = s[i++];
        long long r = product();
        v = op == '+' ? v + r : v - r;
      } else {
        return v;
      }
    }
  }
};

struct Checker {
  const Design& d;
  std::vector<std::string> errors;
  std::map<std::string, const Module*> modules;

  void err(const std::string& where, const std::string& what) { errors.push_back(where + ": " + what); }

  using Scope = std::vector<std::pair<std::string, long long>>;

  void check_width(const std::string& where, const Width& w, const Scope& scope) {
    if (w.bits < 1) return err(where, "width " + std::to_string(w.bits) + " is not positive");
    long long v = 0;
    if (!eval_const(w.expr, scope, v)) return err(where, "width expression '" + w.expr + "' cannot be evaluated");
    if (v != w.bits) err(where, "width expression '" + w.expr + "' is " + std::to_string(v) + ", builder meant " + std::to_string(w.bits));
  }

  // Names visible in a scope: kind and width, for assignment and register checks.
  struct Sym {
    NetKind kind;
    bool is_port;
    Dir dir;
    int bits;
  };

  // Registers are updated only by a register group of the block that declares them, exactly once.
  void check_block(const Module& m, const Block& b, Scope scope, std::map<std::string, Sym> syms, std::set<std::string>& labels,
                   bool& has_regs) {
    const std::string where = "module " + m.name;
    std::set<std::string> local_regs, reg_driven;
    for (const Net& n : b.nets) {
      if (!is_identifier(n.name)) err(where, "net '" + n.name + "' is not a Verilog identifier");
      if (syms.count(n.name)) err(where, "net '" + n.name + "' declared twice");
      check_width(where + " net " + n.name, n.width, scope);
      bool q = n.name.size() > 2 && n.name.compare(n.name.size() - 2, 2, "_q") == 0;
      if (n.kind == NetKind::Reg && !q) err(where, "register '" + n.name + "' is not named *_q");
      if (n.kind == NetKind::Wire && q) err(where, "wire '" + n.name + "' is named like a register (*_q)");
      syms[n.name] = Sym{n.kind, false, Dir::In, n.width.bits};
      if (n.kind == NetKind::Reg) local_regs.insert(n.name);
    }
    for (const Item& it : b.items) {
      if (auto* a = std::get_if<Assign>(&it)) {
        auto s = syms.find(a->lhs);
        if (s == syms.end()) {
          err(where, "assign to undeclared '" + a->lhs + "'");
        } else if (s->second.kind == NetKind::Reg) {
          err(where, "assign to register '" + a->lhs + "'");
        } else if (s->second.is_port && s->second.dir == Dir::In) {
          err(where, "assign to input '" + a->lhs + "'");
        } else if (a->slice.empty() && a->lhs_bits != s->second.bits) {
          err(where, "assign to '" + a->lhs + "' of " + std::to_string(a->lhs_bits) + " bits, declared " + std::to_string(s->second.bits));
        }
        if (a->rhs.empty()) err(where, "assign to '" + a->lhs + "' has no right-hand side");
      } else if (auto* g = std::get_if<RegGroup>(&it)) {
        if (g->regs.empty()) err(where, "empty register group");
        {
          auto ck = syms.find(g->clock);
          if (ck == syms.end() || ck->second.bits != 1 || ck->second.kind != NetKind::Wire ||
              (ck->second.is_port && ck->second.dir != Dir::In))
            err(where, "register group clocked by '" + g->clock + "', which is not a 1-bit input or wire of the module");
        }
        for (const RegUpdate& r : g->regs) {
          if (!local_regs.count(r.q)) err(where, "register update of '" + r.q + "', which is not a register declared in the same block");
          if (!reg_driven.insert(r.q).second) err(where, "register '" + r.q + "' updated in two places");
          has_regs = true;
          if (r.d.empty()) err(where, "register '" + r.q + "' has no next value");
          if (r.reset.empty()) err(where, "register '" + r.q + "' has no reset value");
        }
      } else if (auto* inst = std::get_if<Instance>(&it)) {
        check_instance(m, *inst, scope);
      } else if (auto* f = std::get_if<GenFor>(&it)) {
        if (!is_identifier(f->label) || !labels.insert(f->label).second)
          err(where, "generate label '" + f->label + "' is not a unique identifier");
        if (!is_identifier(f->genvar)) err(where, "genvar '" + f->genvar + "' is not an identifier");
        long long n = 0;
        if (!eval_const(f->count_expr, scope, n) || n != f->count)
          err(where, "loop count '" + f->count_expr + "' does not evaluate to " + std::to_string(f->count));
        if (f->count < 1) err(where, "generate loop '" + f->label + "' has no iterations");
        // Widths inside must not depend on the genvar: it is deliberately left out of the scope.
        check_block(m, f->body, scope, syms, labels, has_regs);
      } else if (auto* gi = std::get_if<GenIf>(&it)) {
        if (!is_identifier(gi->then_label) || !labels.insert(gi->then_label).second)
          err(where, "generate label '" + gi->then_label + "' is not a unique identifier");
        if (!gi->else_body.items.empty() || !gi->else_body.nets.empty())
          if (!is_identifier(gi->else_label) || !labels.insert(gi->else_label).second)
            err(where, "generate label '" + gi->else_label + "' is not a unique identifier");
        check_block(m, gi->then_body, scope, syms, labels, has_regs);
        check_block(m, gi->else_body, scope, syms, labels, has_regs);
      }
    }
    for (const std::string& r : local_regs)
      if (!reg_driven.count(r)) err(where, "register '" + r + "' is never updated");
  }

  // No string of the description carries printer syntax: a line break or a comment marker in an
  // expression or a comment line means the builder wrote Verilog text the printer should have written.
  void text(const std::string& where, const std::string& what, const std::string& s) {
    for (const char* bad : {"\n", "\r", "//", "/*", "*/"})
      if (s.find(bad) != std::string::npos) {
        const std::string shown = bad[0] == '\n' ? "a line break" : bad[0] == '\r' ? "a carriage return" : std::string("'") + bad + "'";
        err(where, what + " holds " + shown + " (printer syntax): '" + s + "'");
      }
  }
  void text_lines(const std::string& where, const std::string& what, const std::vector<std::string>& lines) {
    for (const std::string& l : lines) text(where, what, l);
  }
  void text_block(const std::string& where, const Block& b) {
    for (const Net& n : b.nets) {
      text(where, "net name", n.name);
      text(where, "width of net " + n.name, n.width.expr);
      text(where, "comment of net " + n.name, n.comment);
    }
    for (const Item& it : b.items) {
      if (auto* c = std::get_if<Comment>(&it)) {
        text_lines(where, "comment", c->lines);
      } else if (auto* a = std::get_if<Assign>(&it)) {
        text(where, "assign target", a->lhs + a->slice);
        text(where, "expression assigned to " + a->lhs, a->rhs);
      } else if (auto* g = std::get_if<RegGroup>(&it)) {
        text_lines(where, "register group comment", g->comment);
        text(where, "register group clock", g->clock);
        for (const RegUpdate& r : g->regs) {
          text(where, "register", r.q);
          text(where, "next value of " + r.q, r.d);
          text(where, "reset value of " + r.q, r.reset);
        }
      } else if (auto* inst = std::get_if<Instance>(&it)) {
        text(where, "instance", inst->module + " " + inst->name);
        text_lines(where, "comment of instance " + inst->name, inst->comment);
        for (const ParamOverride& po : inst->params) text(where, "parameter of " + inst->name, po.name + " " + po.expr);
        for (const Connection& c : inst->conns) text(where, "connection of " + inst->name, c.port + " " + c.expr);
      } else if (auto* f = std::get_if<GenFor>(&it)) {
        text(where, "generate loop", f->label + " " + f->genvar + " " + f->count_expr);
        text_block(where, f->body);
      } else if (auto* gi = std::get_if<GenIf>(&it)) {
        text(where, "generate if", gi->cond + " " + gi->then_label + " " + gi->else_label);
        text_block(where, gi->then_body);
        text_block(where, gi->else_body);
      }
    }
  }
  void text_module(const Module& m) {
    const std::string where = "module " + m.name;
    text(where, "role", m.role);
    text_lines(where, "header note", m.notes);
    for (const auto* ps : {&m.params, &m.localparams})
      for (const Param& p : *ps) text(where, "parameter " + p.name, p.name + " " + p.expr + " " + p.comment);
    for (const Port& p : m.ports) text(where, "port " + p.name, p.name + " " + p.width.expr + " " + p.comment);
    text_block(where, m.body);
  }

  void check_instance(const Module& parent, const Instance& inst, const Scope& scope) {
    const std::string where = "module " + parent.name + " instance " + inst.name;
    if (!is_identifier(inst.name)) err(where, "instance name is not an identifier");
    auto mi = modules.find(inst.module);
    if (mi == modules.end()) return err(where, "instantiates unknown module '" + inst.module + "'");
    const Module& child = *mi->second;
    if (&child == &parent) return err(where, "instantiates itself");
    // The child's scope: its parameters (overridden by the instance) and localparams.
    Scope cs;
    std::set<std::string> overridden;
    for (const ParamOverride& po : inst.params) {
      bool known = false;
      for (const Param& p : child.params) known |= p.name == po.name;
      if (!known) err(where, "overrides unknown parameter '" + po.name + "'");
      if (!overridden.insert(po.name).second) err(where, "overrides parameter '" + po.name + "' twice");
      long long v = 0;
      // Overrides may depend on a genvar (not in scope); then the builder's value is used.
      if (eval_const(po.expr, scope, v) && v != po.value)
        err(where,
            "parameter '" + po.name + "' = '" + po.expr + "' is " + std::to_string(v) + ", builder meant " + std::to_string(po.value));
    }
    for (const Param& p : child.params) {
      long long v = 0;
      bool found = false;
      for (const ParamOverride& po : inst.params)
        if (po.name == p.name) v = po.value, found = true;
      if (!found && !eval_const(p.expr, cs, v)) err(where, "parameter '" + p.name + "' has no constant default");
      cs.emplace_back(p.name, v);
    }
    for (const Param& p : child.localparams) {
      long long v = 0;
      if (eval_const(p.expr, cs, v)) cs.emplace_back(p.name, v);
    }
    std::set<std::string> connected;
    for (const Connection& c : inst.conns) {
      const Port* port = nullptr;
      for (const Port& p : child.ports)
        if (p.name == c.port) port = &p;
      if (!port) {
        err(where, "connects unknown port '" + c.port + "'");
        continue;
      }
      if (!connected.insert(c.port).second) err(where, "connects port '" + c.port + "' twice");
      long long pw = 0;
      if (!eval_const(port->width.expr, cs, pw)) {
        err(where, "width of port '" + c.port + "' cannot be evaluated");
      } else if (pw != c.bits) {
        err(where, "port '" + c.port + "' is " + std::to_string(pw) + " bits, connected to " + std::to_string(c.bits) + " bits ('" +
                       c.expr + "')");
      }
      if (c.expr.empty()) err(where, "port '" + c.port + "' is left unconnected");
    }
    for (const Port& p : child.ports)
      if (!connected.count(p.name)) err(where, "port '" + p.name + "' is not connected");
  }

  void run() {
    if (!is_identifier(d.prefix)) err("design", "prefix '" + d.prefix + "' is not an identifier");
    for (const Module& m : d.modules) {
      if (!is_identifier(m.name)) err("module " + m.name, "name is not a Verilog identifier");
      if (m.name != d.prefix && m.name.rfind(d.prefix + "_", 0) != 0)
        err("module " + m.name, "name does not carry the prefix '" + d.prefix + "'");
      if (!modules.emplace(m.name, &m).second) err("module " + m.name, "defined twice");
    }
    if (!modules.count(d.top)) err("design", "top module '" + d.top + "' is not defined");
    for (const Module& m : d.modules) {
      const std::string where = "module " + m.name;
      Scope scope;
      std::map<std::string, Sym> syms;
      auto declare = [&](const std::string& name) {
        if (!is_identifier(name)) err(where, "'" + name + "' is not a Verilog identifier");
        if (syms.count(name)) err(where, "'" + name + "' declared twice");
      };
      for (const Param& p : m.params) {
        declare(p.name);
        long long v = 0;
        if (!eval_const(p.expr, scope, v)) err(where, "parameter '" + p.name + "' = '" + p.expr + "' cannot be evaluated");
        scope.emplace_back(p.name, v);
        syms[p.name] = Sym{NetKind::Wire, false, Dir::In, 32};
      }
      for (const Param& p : m.localparams) {
        declare(p.name);
        long long v = 0;
        if (!eval_const(p.expr, scope, v)) err(where, "localparam '" + p.name + "' = '" + p.expr + "' cannot be evaluated");
        scope.emplace_back(p.name, v);
        syms[p.name] = Sym{NetKind::Wire, false, Dir::In, 32};
      }
      bool has_clk = false;
      for (const Port& p : m.ports) {
        declare(p.name);
        check_width(where + " port " + p.name, p.width, scope);
        syms[p.name] = Sym{NetKind::Wire, true, p.dir, p.width.bits};
        has_clk |= p.name == "clk";
      }
      std::set<std::string> labels;
      bool has_regs = false;
      check_block(m, m.body, scope, syms, labels, has_regs);
      if (has_regs && !has_clk) err(where, "has registers but no clk port");
      text_module(m);
    }
  }
};

}  // namespace

bool eval_const(const std::string& expr, const std::vector<std::pair<std::string, long long>>& scope, long long& out) {
  Eval e{expr, scope};
  long long v = e.sum();
  e.ws();
  if (!e.ok || e.i != expr.size()) return false;
  out = v;
  return true;
}

void check_design(const Design& d) {
  Checker c{d, {}, {}};
  c.run();
  if (!c.errors.empty()) {
    std::ostringstream os;
    os << "generated design failed its structural check (" << c.errors.size() << " problems):";
    for (const auto& e : c.errors) os << "\n  " << e;
    throw std::logic_error(os.str());
  }
}

}  // namespace sysmt::rtl
