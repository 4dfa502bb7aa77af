#!/usr/bin/env bash
# Simulation speed of the 16x16 four-thread array: Verilator at -Os and -O2 (Google Benchmark) and
# Icarus Verilog on the same kind of stimulus (random K-groups, in_valid always 1, a tile every 64
# groups). Prints simulated cycles per second; the figures go to docs/verification.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
cmake --build build -j "$(nproc)" --target bench_sim_speed_Os bench_sim_speed_O2 >/dev/null
for opt in Os O2; do
  echo "== Verilator -$opt"
  build/tb/rtl/bench_sim_speed_$opt --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>/dev/null | grep -E "median"
done

name=${BENCH_CONFIG:-sysmt_4t_16x16}
rtl=rtl/generated/$name
field() { grep -o "\"$1\": [0-9]*" "$rtl/$name.json" | head -1 | grep -o '[0-9]*$'; }
rows=$(field rows); cols=$(field cols); t=$(field threads); acc=$(field acc_bits)
cycles=${ICARUS_CYCLES:-40}  # Icarus needs minutes for a few dozen cycles of the 16x16 4T array
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/tb.v" <<VERILOG
// Icarus speed testbench: random K-groups every cycle, a tile boundary every 64 groups.
module tb;
  reg clk = 0, rst_n = 0, in_valid = 0, in_last = 0;
  reg [$((rows * t * 8 - 1)):0] in_act = 0;
  reg [$((cols * t * 8 - 1)):0] in_wgt = 0;
  wire in_ready, out_valid, out_last;
  wire [$((cols * acc - 1)):0] out_data;
  integer i, k, outs = 0;
  $name dut (.clk(clk), .rst_n(rst_n), .in_valid(in_valid), .in_ready(in_ready), .in_last(in_last),
             .in_act(in_act), .in_wgt(in_wgt), .out_valid(out_valid), .out_last(out_last), .out_data(out_data));
  always #1 clk = ~clk;
  always @(posedge clk) if (out_valid) outs = outs + 1;
  initial begin
    repeat (3) @(posedge clk);
    rst_n = 1;
    for (i = 0; i < $cycles; i = i + 1) begin
      @(negedge clk);
      in_valid = 1;
      in_last = (i % 64) == 63;
      for (k = 0; k < $((rows * t * 8 / 32)); k = k + 1) in_act[k*32 +: 32] = \$random;
      for (k = 0; k < $((cols * t * 8 / 32)); k = k + 1) in_wgt[k*32 +: 32] = \$random;
    end
    \$display("outs %0d", outs);
    \$finish;
  end
endmodule
VERILOG
iverilog -g2005 -o "$work/sim" "$work/tb.v" "$rtl"/*.v
start=$(date +%s.%N)
vvp -n "$work/sim" >/dev/null
end=$(date +%s.%N)
awk -v c="$cycles" -v s="$start" -v e="$end" 'BEGIN { printf "== Icarus Verilog: %d cycles in %.2f s: %.2f cycles/s\n", c, e - s, c / (e - s) }'
