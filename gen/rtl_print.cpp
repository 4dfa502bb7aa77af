// Verilog-2005 printer: formats modules, declarations, register groups, instances and generate blocks.
// No design decisions here: every name, width and expression comes from the structural description.
#include "gen/rtl_print.hpp"

#include <set>
#include <sstream>

namespace sysmt::rtl {

namespace {

bool is_number(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string range(const Width& w) {
  if (w.expr == "1") return "";
  if (is_number(w.expr)) return "[" + std::to_string(w.bits - 1) + ":0] ";
  return "[" + w.expr + "-1:0] ";
}

// A port's range in the ANSI header: the number of bits, because the localparams its symbolic width
// uses are declared after the header (Verilog-2005 has no localparam in the parameter port list).
std::string port_range(const Width& w) {
  if (w.expr == "1") return "";
  return "[" + std::to_string(w.bits - 1) + ":0] ";
}

void comment_lines(std::ostringstream& os, const std::string& ind, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) os << ind << "//" << (line.empty() ? "" : " ") << line << "\n";
}

std::string trailing(const std::string& c) { return c.empty() ? "" : "  // " + c; }

void collect_genvars(const Block& b, std::vector<std::string>& out, std::set<std::string>& seen) {
  for (const Item& it : b.items) {
    if (auto* f = std::get_if<GenFor>(&it)) {
      if (seen.insert(f->genvar).second) out.push_back(f->genvar);
      collect_genvars(f->body, out, seen);
    } else if (auto* g = std::get_if<GenIf>(&it)) {
      collect_genvars(g->then_body, out, seen);
      collect_genvars(g->else_body, out, seen);
    }
  }
}

struct Printer {
  std::ostringstream os;

  void nets(const Block& b, const std::string& ind) {
    for (const Net& n : b.nets)
      os << ind << (n.kind == NetKind::Reg ? "reg  " : "wire ") << range(n.width) << n.name
         << (n.split_var ? " /* verilator split_var */" : "") << ";" << trailing(n.comment) << "\n";
  }

  void block(const Block& b, const std::string& ind, bool top_level) {
    nets(b, ind);
    for (const Item& it : b.items) {
      if (auto* c = std::get_if<Comment>(&it)) {
        os << "\n";
        comment_lines(os, ind, c->lines);
      } else if (auto* a = std::get_if<Assign>(&it)) {
        os << ind << "assign " << a->lhs << a->slice << " = " << a->rhs << ";\n";
      } else if (auto* g = std::get_if<RegGroup>(&it)) {
        if (!g->comment.empty()) comment_lines(os, ind, g->comment);
        os << ind << "always @(posedge " << g->clock << ") begin\n";
        os << ind << "  if (!rst_n) begin\n";
        for (const RegUpdate& r : g->regs) os << ind << "    " << r.q << " <= " << r.reset << ";\n";
        os << ind << "  end else begin\n";
        for (const RegUpdate& r : g->regs) os << ind << "    " << r.q << " <= " << r.d << ";\n";
        os << ind << "  end\n";
        os << ind << "end\n";
      } else if (auto* inst = std::get_if<Instance>(&it)) {
        if (!inst->comment.empty()) comment_lines(os, ind, inst->comment);
        os << ind << inst->module;
        if (!inst->params.empty()) {
          os << " #(\n";
          for (size_t i = 0; i < inst->params.size(); ++i)
            os << ind << "  ." << inst->params[i].name << "(" << inst->params[i].expr << ")" << (i + 1 < inst->params.size() ? "," : "")
               << "\n";
          os << ind << ")";
        }
        os << " " << inst->name << " (\n";
        size_t wmax = 0;
        for (const Connection& c : inst->conns) wmax = std::max(wmax, c.port.size());
        for (size_t i = 0; i < inst->conns.size(); ++i) {
          const Connection& c = inst->conns[i];
          os << ind << "  ." << c.port << std::string(wmax - c.port.size(), ' ') << " (" << c.expr << ")"
             << (i + 1 < inst->conns.size() ? "," : "") << "\n";
        }
        os << ind << ");\n";
      } else if (auto* f = std::get_if<GenFor>(&it)) {
        if (top_level) os << ind << "generate\n";
        os << ind << "for (" << f->genvar << " = 0; " << f->genvar << " < " << f->count_expr << "; " << f->genvar << " = " << f->genvar
           << " + 1) begin : " << f->label << "\n";
        block(f->body, ind + "  ", false);
        os << ind << "end\n";
        if (top_level) os << ind << "endgenerate\n";
      } else if (auto* gi = std::get_if<GenIf>(&it)) {
        if (top_level) os << ind << "generate\n";
        os << ind << "if (" << gi->cond << ") begin : " << gi->then_label << "\n";
        block(gi->then_body, ind + "  ", false);
        if (!gi->else_body.items.empty() || !gi->else_body.nets.empty()) {
          os << ind << "end else begin : " << gi->else_label << "\n";
          block(gi->else_body, ind + "  ", false);
        }
        os << ind << "end\n";
        if (top_level) os << ind << "endgenerate\n";
      }
    }
  }

  void module(const Module& m, const Provenance& p) {
    os << "// " << m.name << ": " << m.role << "\n";
    comment_lines(os, "", m.notes);
    os << kProvenancePrefix << p.generator << " from " << p.config_file << " (config hash " << p.config_hash << ").\n";
    os << kRegeneratePrefix << "sysmt generate " << p.config_ref << " -o DIR\n";
    os << "// Do not edit: change the config and regenerate.\n\n";
    os << "module " << m.name;
    if (!m.params.empty()) {
      os << " #(\n";
      for (size_t i = 0; i < m.params.size(); ++i)
        os << "  parameter integer " << m.params[i].name << " = " << m.params[i].expr << (i + 1 < m.params.size() ? "," : "")
           << trailing(m.params[i].comment) << "\n";
      os << ")";
    }
    os << " (\n";
    for (size_t i = 0; i < m.ports.size(); ++i) {
      const Port& pt = m.ports[i];
      os << "  " << (pt.dir == Dir::In ? "input  wire " : "output wire ") << port_range(pt.width) << pt.name
         << (i + 1 < m.ports.size() ? "," : "") << trailing(pt.comment) << "\n";
    }
    os << ");\n";
    for (const Param& lp : m.localparams)
      os << "  localparam integer " << lp.name << " = " << lp.expr << ";" << trailing(lp.comment) << "\n";
    std::vector<std::string> genvars;
    std::set<std::string> seen;
    collect_genvars(m.body, genvars, seen);
    if (!m.localparams.empty() && (!m.body.nets.empty() || !genvars.empty())) os << "\n";
    for (const std::string& g : genvars) os << "  genvar " << g << ";\n";
    block(m.body, "  ", true);
    os << "\nendmodule\n";
  }
};

}  // namespace

bool is_config_file_line(const std::string& line) { return line.rfind(kProvenancePrefix, 0) == 0 || line.rfind(kRegeneratePrefix, 0) == 0; }

std::vector<std::pair<std::string, std::string>> print_design(const Design& d, const Provenance& p) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const Module& m : d.modules) {
    Printer pr;
    pr.module(m, p);
    files.emplace_back(m.name + ".v", pr.os.str());
  }
  return files;
}

}  // namespace sysmt::rtl
