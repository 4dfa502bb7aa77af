// Directed testbench for any generated SySMT array, driven only through the port protocol of
// shared/spec/nbsmt.md section 5. Compile with -DDUT=<top module> and -P directed_tb.ROWS=... etc.
// It replays stim.hex (one beat per line: {valid, last, in_act, in_wgt}; valid = 0 is an idle cycle),
// holding a beat while in_ready is 0, and prints one line per event for the C++ test to judge:
//   A <edge> <last>          a K-group accepted at rising edge <edge>
//   O <edge> <last> <data>   out_valid = 1 in the cycle after rising edge <edge>
// Edges are numbered from the first edge after reset is released (edge 1).
`timescale 1ns / 1ps
module directed_tb;
  parameter integer ROWS = 1;
  parameter integer COLS = 1;
  parameter integer T = 1;
  parameter integer ACC = 32;
  parameter integer NBEATS = 1;
  parameter integer TAIL = 64;  // idle cycles after the last beat

  localparam integer AW = ROWS * T * 8;
  localparam integer WW = COLS * T * 8;
  localparam integer BW = 2 + AW + WW;

  reg clk = 1'b0;
  reg rst_n = 1'b0;
  reg in_valid = 1'b0;
  reg in_last = 1'b0;
  reg [AW-1:0] in_act = {AW{1'b0}};
  reg [WW-1:0] in_wgt = {WW{1'b0}};
  wire in_ready;
  wire out_valid;
  wire out_last;
  wire [COLS*ACC-1:0] out_data;

  reg [BW-1:0] beats [0:NBEATS-1];
  integer next = 0;
  integer edge_n = 0;
  integer tail = 0;

  `DUT dut (
    .clk      (clk),
    .rst_n    (rst_n),
    .in_valid (in_valid),
    .in_ready (in_ready),
    .in_last  (in_last),
    .in_act   (in_act),
    .in_wgt   (in_wgt),
    .out_valid(out_valid),
    .out_last (out_last),
    .out_data (out_data)
  );

  always #5 clk = ~clk;

  always @(posedge clk) if (rst_n) edge_n <= edge_n + 1;

  // Mid-cycle (negative edge): report the output of the last edge; present the next beat unless the
  // current one is still waiting for in_ready; then note whether the coming edge takes it.
  reg taken = 1'b1;
  always @(negedge clk) begin
    if (rst_n) begin
      if (out_valid) $display("O %0d %0d %h", edge_n, out_last, out_data);
      if (taken) begin
        if (next < NBEATS) begin
          {in_valid, in_last, in_act, in_wgt} = beats[next];
          next = next + 1;
        end else begin
          {in_valid, in_last, in_act, in_wgt} = {BW{1'b0}};
          tail = tail + 1;
          if (tail > TAIL) $finish;
        end
      end
      #1;
      taken = !in_valid || in_ready;
      if (in_valid && in_ready) $display("A %0d %0d", edge_n + 1, in_last);
    end
  end

  initial begin
    $readmemh("stim.hex", beats);
    repeat (3) @(posedge clk);
    #1 rst_n = 1'b1;  // the first rising edge after this is edge 1
  end
endmodule
