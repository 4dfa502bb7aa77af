// The array around the PEs: the top module (input control, skew instances, array edges, PE grid, drain
// control), the skew lines and their register stage, and the drain column (docs/architecture.md, "The array").
#include <fmt/format.h>

#include "gen/names.hpp"
#include "gen/pe.hpp"

namespace sysmt::rtl::build {

// One register stage of one skew lane: the skew lines are built from instances of it, so hierarchical
// synthesis maps one LW-bit register once instead of a flat shift register of every lane.
Module build_skew_stage(const std::string& name, const std::string& role, int lane_w) {
  Module m;
  m.name = name;
  m.role = role;
  m.localparams = {{"LW", S(lane_w), "bits per lane"}};
  m.ports = {in("clk", W(1)), in("rst_n", W(1), "synchronous, active low"), in("d", W("LW", lane_w)),
             out("q", W("LW", lane_w), "d of the previous edge")};
  Body b{m.body};
  b.reg("stage_q", W("LW", lane_w));
  b.regs({}, {{"stage_q", "d", zero(W("LW", lane_w))}});
  b.assign("q", lane_w, "stage_q");
  return m;
}

// Skew line: lane l is delayed by l clock edges (lane 0 passes straight through). Every delay stage is
// an instance of the stage module `stage`; lane l's l stages are at LW*l*(l-1)/2 of the stage buses,
// oldest stage last.
Module build_skew(const std::string& name, const std::string& role, int lanes, int lane_w, const std::string& stage) {
  Module m;
  m.name = name;
  m.role = role;
  const int line = lane_w * lanes * (lanes - 1) / 2;
  m.localparams = {{"LANES", S(lanes), "lanes; lane l is delayed by l cycles"},
                   {"LW", S(lane_w), "bits per lane"},
                   {"LINE_W", "LW*LANES*(LANES-1)/2", "all delay stages of all lanes"}};
  m.ports = {in("clk", W(1)), in("rst_n", W(1), "synchronous, active low"),
             in("lane_in", W("LANES*LW", lanes * lane_w), "lane l at [l*LW +: LW]"),
             out("lane_out", W("LANES*LW", lanes * lane_w), "lane_in of l cycles ago")};
  Body b{m.body};
  b.wire("line_o", W("LINE_W", line), "stage outputs");
  b.wire("line_d", W("LINE_W", line), "stage inputs");
  GenFor g{"g_lane", "l", "LANES", lanes, {}};
  GenIf gi;
  gi.cond = "l == 0";
  gi.then_label = "g_direct";
  Body{gi.then_body}.assign_slice("lane_out", "[l*LW +: LW]", lane_w, "lane_in[l*LW +: LW]");
  gi.else_label = "g_delay";
  Body delay{gi.else_body};
  delay.assign_slice("line_d", "[LW*l*(l-1)/2 +: LW]", lane_w, "lane_in[l*LW +: LW]");
  GenIf chain;
  chain.cond = "l > 1";
  chain.then_label = "g_chain";
  // Stage s+1 takes stage s. The slice width depends on the lane (the genvar), so the width given here
  // is that of the widest lane; the checker checks widths of whole-net assignments only.
  Body{chain.then_body}.assign_slice("line_d", "[LW*l*(l-1)/2 + LW +: LW*(l-1)]", lane_w * (lanes - 1), "line_o[LW*l*(l-1)/2 +: LW*(l-1)]");
  delay.item(std::move(chain));
  delay.assign_slice("lane_out", "[l*LW +: LW]", lane_w, "line_o[LW*l*(l-1)/2 + LW*(l-1) +: LW]");
  Body{g.body}.item(std::move(gi));
  b.item(std::move(g));
  GenFor st{"g_stage", "s", "LANES*(LANES-1)/2", lanes * (lanes - 1) / 2, {}};
  Instance u{stage, "u_stage", {}, {}, {}};
  u.conns = {{"clk", "clk", 1}, {"rst_n", "rst_n", 1}, {"d", "line_d[s*LW +: LW]", lane_w}, {"q", "line_o[s*LW +: LW]", lane_w}};
  st.body.items.push_back(std::move(u));
  b.item(std::move(st));
  return m;
}

// Drain of one output column: AND-OR selection of the finished row (row_done is one-hot) into that
// column's output register. The top instantiates it once per column, so synthesis maps it once.
Module build_drain_col(const std::string& name, int rows, int acc) {
  Module m;
  m.name = name;
  m.role = "one column of the drain: the finished row's result, registered for out_data.";
  m.localparams = {{"ROWS", S(rows), "PE rows"}, {"ACC", S(acc), "accumulator bits"}};
  m.ports = {in("clk", W(1)), in("rst_n", W(1), "synchronous, active low"),
             in("row_done", W("ROWS", rows), "one-hot: row r's shadows hold a finished tile"),
             in("col_in", W("ROWS*ACC", rows * acc), "row r's shadow of this column at [r*ACC +: ACC]"),
             out("out_data", W("ACC", acc), "the selected row, one edge later")};
  Body b{m.body};
  b.b.nets.push_back(Net{"drain_or", NetKind::Wire, W("(ROWS+1)*ACC", (rows + 1) * acc), "AND-OR selection of the finished row", true});
  b.reg("out_data_q", W("ACC", acc));
  b.assign_slice("drain_or", "[0 +: ACC]", acc, "{ACC{1'b0}}");
  GenFor g{"g_row", "r", "ROWS", rows, {}};
  Body{g.body}.assign_slice("drain_or", "[(r+1)*ACC +: ACC]", acc, "drain_or[r*ACC +: ACC] | ({ACC{row_done[r]}} & col_in[r*ACC +: ACC])");
  b.item(std::move(g));
  b.regs({}, {{"out_data_q", "drain_or[ROWS*ACC +: ACC]", zero(W("ACC", acc))}});
  b.assign("out_data", acc, "out_data_q");
  return m;
}

namespace {

// One array edge of operand bus `bus` (`threads` lanes of 8 bits per position, LW = 8T): with `flags`, the
// non-zero flag of each lane where the operands enter (position `in_at`) on `flag_bus`; and the
// definition of the lint wire `unused` for what leaves the far edge (position `out_at`) unused.
void edge_flags(Body& gb, bool flags, int threads, const std::string& bus, const std::string& flag_bus, const std::string& loop,
                const std::string& in_at, const std::string& out_at, const std::string& unused, const std::string& what) {
  std::string rhs = "^" + bus + "[(" + out_at + ")*LW +: LW]";
  if (flags) {
    GenFor gt{loop, "t", "T", threads, {}};
    gt.body.items.push_back(Assign{flag_bus, "[" + in_at + "*T + t]", 1, "|" + bus + "[" + in_at + "*LW + t*8 +: 8]"});
    gb.item(std::move(gt));
    rhs = "(" + rhs + ") ^ (^" + flag_bus + "[(" + out_at + ")*T +: T])";
  }
  gb.define(unused, W(1), rhs, what + (flags ? " and flags go nowhere" : " go nowhere"));
}

void top_interface(Module& m, const Config& c, const ArrayFacts& f) {
  const int R = c.rows, C = c.cols, T = c.threads, ACC = c.acc_bits, LW = 8 * T;
  m.name = f.top;
  m.role = fmt::format("{}x{} output-stationary SySMT array, {} thread{} per PE, {}-bit accumulators.", R, C, T, T == 1 ? "" : "s", ACC);
  m.notes = {fmt::format("Timing: in_last accepted at edge E -> row r on out_data in the cycle after edge E + {} + r", f.latency),
             fmt::format("(LAT = COLS + 1 + P = {}, P = {}); an in_last is accepted only {} or more edges after the previous", f.latency,
                         f.pipeline_stages, f.drain_interval),
             "one (D = max(ROWS, COLS))."};
  m.localparams = {{"ROWS", S(R), "PE rows"},
                   {"COLS", S(C), "PE columns"},
                   {"T", S(T), "threads per PE"},
                   {"ACC", S(ACC), "accumulator bits"},
                   {"LW", "T*8", "operand bits per row or column"},
                   {"OW", "COLS*ACC", "bits of one output row"}};
  m.ports = {in("clk", W(1)),
             in("rst_n", W(1), "synchronous, active low: clears all state"),
             in("in_valid", W(1), "a K-group is offered"),
             out("in_ready", W(1), "the K-group is taken on an edge where in_valid & in_ready"),
             in("in_last", W(1), "the K-group is the last of its tile"),
             in("in_act", W("ROWS*LW", R * LW), "row r, thread t at [(r*T+t)*8 +: 8], unsigned"),
             in("in_wgt", W("COLS*LW", C * LW), "column c, thread t at [(c*T+t)*8 +: 8], two's complement"),
             out("out_valid", W(1), "out_data holds one row of a finished tile"),
             out("out_last", W(1), "with the tile's last row"),
             out("out_data", W("OW", C * ACC), "column c at [c*ACC +: ACC], two's complement")};
}

// in_ready from the drain interval, take, and the activations that enter (zero when nothing is taken).
void top_input_control(Body& b, const Config& c, const ArrayFacts& f) {
  const int D = f.drain_interval;
  if (D > 1) {
    const int ww = clog2(D);
    b.comment({fmt::format("in_ready: a K-group with in_last is taken only when at least D = {} edges have passed since the", D),
               "previous accepted in_last (wait_q counts them down); other K-groups are never refused.",
               "in_ready depends combinationally on in_last."});
    b.reg("wait_q", W(ww), "edges still to wait before the next in_last");
    b.wire("wait_d", W(ww));
    b.assign("in_ready", 1, "~(in_last & (|wait_q))");
    b.assign("wait_d", ww, fmt::format("take_last ? {} : (|wait_q) ? wait_q - {} : wait_q", lit(ww, D - 1), lit(ww, 1)));
    b.regs({}, {{"wait_q", "wait_d", lit(ww, 0)}});
  } else {
    b.comment({"1x1 array: the drain interval is one edge, so in_ready is always 1."});
    b.assign("in_ready", 1, "1'b1");
  }
  b.assign("take", 1, "in_valid & in_ready");
  b.assign("take_last", 1, "take & in_last");
  b.comment({c.threads == 1 ? "Rejected or absent K-groups enter as zero activations: the product is zero."
                            : "Rejected or absent K-groups enter as zero activations: every thread inactive, product zero."});
  b.assign("act_in", c.rows * 8 * c.threads, "{ROWS*LW{take}} & in_act");
}

// Activation skew (with the last flag) per row, weight skew per column.
void top_skews(Body& b, const Config& c, const ArrayFacts& f) {
  const int R = c.rows, C = c.cols, LW = 8 * c.threads;
  if (R > 1) {
    b.wire("act_lane_in", W("ROWS*(LW+1)", R * (LW + 1)), "row r: {last, activations}");
    b.wire("act_lane_out", W("ROWS*(LW+1)", R * (LW + 1)));
    Instance inst{f.act_skew, "u_act_skew", {}, {}, {"Row r's activations and last flag wait r cycles."}};
    inst.conns = {
        {"clk", "clk", 1}, {"rst_n", "rst_n", 1}, {"lane_in", "act_lane_in", R * (LW + 1)}, {"lane_out", "act_lane_out", R * (LW + 1)}};
    b.item(std::move(inst));
  }
  if (C > 1) {
    b.wire("wgt_lane_out", W("COLS*LW", C * LW));
    Instance inst{f.wgt_skew, "u_wgt_skew", {}, {}, {"Column c's weights wait c cycles."}};
    inst.conns = {{"clk", "clk", 1}, {"rst_n", "rst_n", 1}, {"lane_in", "in_wgt", C * LW}, {"lane_out", "wgt_lane_out", C * LW}};
    b.item(std::move(inst));
  }
}

// Where the operands enter each row and column (with their non-zero flags when the PEs take them) and
// where they leave unused.
void top_edges(Body& b, const Config& c, const ArrayFacts& f) {
  const int R = c.rows, C = c.cols, T = c.threads, LW = 8 * T;
  const bool skewed = R > 1 || C > 1, flags = f.forward_act_flags || f.forward_wgt_flags;
  b.comment({fmt::format("Array edges: the {}inputs{} enter; the last column's activations and the", skewed ? "skewed " : "",
                         flags ? " and their non-zero flags" : ""),
             "last row's weights leave unused."});
  GenFor g{"g_row_edge", "r", "ROWS", R, {}};
  Body gb{g.body};
  if (R > 1) {
    gb.assign_slice("act_lane_in", "[r*(LW+1) +: LW+1]", LW + 1, "{take_last, act_in[r*LW +: LW]}");
    gb.assign_slice("act_bus", "[r*(COLS+1)*LW +: LW]", LW, "act_lane_out[r*(LW+1) +: LW]");
    gb.assign_slice("last_bus", "[r*(COLS+1)]", 1, "act_lane_out[r*(LW+1)+LW]");
  } else {
    gb.assign_slice("act_bus", "[r*(COLS+1)*LW +: LW]", LW, "act_in[r*LW +: LW]");
    gb.assign_slice("last_bus", "[r*(COLS+1)]", 1, "take_last");
  }
  edge_flags(gb, f.forward_act_flags, T, "act_bus", "anz_bus", "g_anz", "r*(COLS+1)", "r*(COLS+1)+COLS", "unused_a_out",
             "the last column's activations");
  b.item(std::move(g));
  GenFor gc{"g_col_edge", "c", "COLS", C, {}};
  Body cb{gc.body};
  cb.assign_slice("wgt_bus", "[c*LW +: LW]", LW, C > 1 ? "wgt_lane_out[c*LW +: LW]" : "in_wgt[c*LW +: LW]");
  edge_flags(cb, f.forward_wgt_flags, T, "wgt_bus", "wnz_bus", "g_wnz", "c", "ROWS*COLS+c", "unused_w_out", "the last row's weights");
  b.item(std::move(gc));
}

void top_grid(Body& b, const Config& c, const ArrayFacts& f) {
  const int T = c.threads, LW = 8 * T, ACC = c.acc_bits;
  const bool anz = f.forward_act_flags, wnz = f.forward_wgt_flags;
  b.comment({"The PE grid: activations move right, weights move down."});
  GenFor gr{"g_row", "r", "ROWS", c.rows, {}};
  GenFor gc{"g_col", "c", "COLS", c.cols, {}};
  Instance pe{f.pe, "u_pe", {}, {}, {}};
  pe.conns = {{"clk", "clk", 1}, {"rst_n", "rst_n", 1}, {"a_in", "act_bus[(r*(COLS+1)+c)*LW +: LW]", LW}};
  if (anz) pe.conns.push_back({"anz_in", "anz_bus[(r*(COLS+1)+c)*T +: T]", T});
  pe.conns.push_back({"l_in", "last_bus[r*(COLS+1)+c]", 1});
  pe.conns.push_back({"w_in", "wgt_bus[(r*COLS+c)*LW +: LW]", LW});
  if (wnz) pe.conns.push_back({"wnz_in", "wnz_bus[(r*COLS+c)*T +: T]", T});
  pe.conns.push_back({"a_out", "act_bus[(r*(COLS+1)+c+1)*LW +: LW]", LW});
  if (anz) pe.conns.push_back({"anz_out", "anz_bus[(r*(COLS+1)+c+1)*T +: T]", T});
  pe.conns.push_back({"l_out", "last_bus[r*(COLS+1)+c+1]", 1});
  pe.conns.push_back({"w_out", "wgt_bus[((r+1)*COLS+c)*LW +: LW]", LW});
  if (wnz) pe.conns.push_back({"wnz_out", "wnz_bus[((r+1)*COLS+c)*T +: T]", T});
  pe.conns.push_back({"shadow", "shadow_bus[(c*ROWS+r)*ACC +: ACC]", ACC});
  gc.body.items.push_back(std::move(pe));
  gr.body.items.push_back(std::move(gc));
  b.item(std::move(gr));
}

// row_done_q from the last column's last flag (P edges later), out_valid_q, out_last_q, the drain columns.
void top_drain(Body& b, const Config& c, const ArrayFacts& f) {
  const int R = c.rows, C = c.cols, ACC = c.acc_bits, P = f.pipeline_stages;
  if (P == 0)
    b.comment({"Drain: PE (r, COLS-1) sees the last K-group in its operand registers one edge before it writes its",
               "shadow; row r's shadows are then all final, and the output register takes them at the next edge."});
  else if (P == 1)
    b.comment({"Drain: PE (r, COLS-1) sees the last K-group in its operand registers two edges before it writes its",
               "shadow (P = 1: last_p_q waits the extra edge); row r's shadows are then all final, and the output",
               "register takes them at the next edge."});
  else
    b.comment({"Drain: PE (r, COLS-1) sees the last K-group in its operand registers three edges before it writes its",
               "shadow (P = 2: last_p_q and last_p2_q wait the extra edges); row r's shadows are then all final, and",
               "the output register takes them at the next edge."});
  b.wire("last_col", W("ROWS", R), "row r's last flag leaving the last column's operand register");
  GenFor g{"g_row_done", "r", "ROWS", R, {}};
  Body{g.body}.assign_slice("last_col", "[r]", 1, "last_bus[r*(COLS+1)+COLS]");
  b.item(std::move(g));
  std::vector<RegUpdate> regs;
  std::string done = "last_col";
  if (P >= 1) {
    b.reg("last_p_q", W("ROWS", R),
          P == 1 ? "last_col one edge later: the PEs' accumulate stage (P = 1)"
                 : "last_col one edge later: the PEs' product register (P = 2)");
    regs.push_back({"last_p_q", "last_col", zero(W("ROWS", R))});
    done = "last_p_q";
  }
  if (P == 2) {
    b.reg("last_p2_q", W("ROWS", R), "last_p_q one edge later: the PEs' accumulate stage");
    regs.push_back({"last_p2_q", "last_p_q", zero(W("ROWS", R))});
    done = "last_p2_q";
  }
  regs.push_back({"row_done_q", done, zero(W("ROWS", R))});
  regs.push_back({"out_valid_q", "|row_done_q", "1'b0"});
  regs.push_back({"out_last_q", fmt::format("row_done_q[{}]", R - 1), "1'b0"});
  b.regs({}, std::move(regs));
  b.comment({"The last column's last flag marked row r's shadows as final; each column's drain registers that row."});
  GenFor gd{"g_drain", "c", "COLS", C, {}};
  Instance u{names::drain_col(f.top), "u_drain", {}, {}, {}};
  u.conns = {{"clk", "clk", 1},
             {"rst_n", "rst_n", 1},
             {"row_done", "row_done_q", R},
             {"col_in", "shadow_bus[c*ROWS*ACC +: ROWS*ACC]", R * ACC},
             {"out_data", "out_data[c*ACC +: ACC]", ACC}};
  gd.body.items.push_back(std::move(u));
  b.item(std::move(gd));
}

}  // namespace

Module build_top(const Config& c, const ArrayFacts& f) {
  Module m;
  top_interface(m, c, f);
  const int R = c.rows, C = c.cols, T = c.threads, LW = 8 * T;
  Body b{m.body};
  b.wire("take", W(1), "a K-group is accepted at this edge");
  b.wire("take_last", W(1));
  b.wire("act_in", W("ROWS*LW", R * LW), "activations of accepted K-groups, zero otherwise");
  b.wire("act_bus", W("ROWS*(COLS+1)*LW", R * (C + 1) * LW), "row r, entering column c at (r*(COLS+1)+c)*LW");
  b.wire("last_bus", W("ROWS*(COLS+1)", R * (C + 1)), "last flags beside act_bus");
  b.wire("wgt_bus", W("(ROWS+1)*COLS*LW", (R + 1) * C * LW), "column c, entering row r at (r*COLS+c)*LW");
  b.wire("shadow_bus", W("ROWS*OW", R * C * c.acc_bits), "PE (r, c) result at (c*ROWS+r)*ACC: column c's rows together");
  if (f.forward_act_flags) b.wire("anz_bus", W("ROWS*(COLS+1)*T", R * (C + 1) * T), "non-zero flags beside act_bus, thread t at +t");
  if (f.forward_wgt_flags) b.wire("wnz_bus", W("(ROWS+1)*COLS*T", (R + 1) * C * T), "non-zero flags beside wgt_bus, thread t at +t");
  b.reg("row_done_q", W("ROWS", R), "row r's shadows hold a finished tile: drain it at the next edge");
  b.reg("out_valid_q", W(1));
  b.reg("out_last_q", W(1));
  top_input_control(b, c, f);
  top_skews(b, c, f);
  top_edges(b, c, f);
  top_grid(b, c, f);
  top_drain(b, c, f);
  b.assign("out_valid", 1, "out_valid_q");
  b.assign("out_last", 1, "out_last_q");
  return m;
}

}  // namespace sysmt::rtl::build
