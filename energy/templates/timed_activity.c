/* Timed activity counter of `sysmt energy --timed`: a VPI module loaded by vvp (Icarus Verilog) next to
 * the testbench that energy/timed.cpp writes. It reads the same stimulus file as activity_main.cpp,
 * drives the testbench's input registers edge by edge with the same reset protocol, and counts every
 * value change of every net of the design under test (one bit each, ports bit by bit, clk skipped) at
 * any simulation time, glitches included, with a value-change callback per net. Changes at the same
 * simulation time collapse into one (a zero-width pulse is no transition). HIGH is the time-weighted
 * number of clock periods the net was 1 (X and Z count as 0).
 *
 * Protocol with the testbench: `$sysmt_open(dut)` once at time 0, then per clock edge
 * `code = $sysmt_next;` right after the previous rising edge (plus 1 ps). It sets rst_n and the inputs
 * for the coming edge and returns 1, or 0 when the stimulus is exhausted (then the testbench calls
 * $finish). The measured window of a stream runs from the call before its first measured edge to the
 * call after its last one, like the samples of activity_main.cpp.
 *
 * Input (+stimulus=FILE): "ports N", N lines "NAME WIDTH", then streams "stream LABEL WARMUP MEASURE"
 * with WARMUP + MEASURE lines of N hex values. Output (+activity=FILE): per stream
 * "stream LABEL MEASURE NETS" and NETS lines "NAME TOGGLES HIGH". Period: +period_ps=P. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vpi_user.h>

typedef struct {
  char* name;        /* "n12" or "a_in[3]" */
  int net;           /* index into nets */
  int bit;           /* bit of the net's value (0 = LSB) */
  int cur;           /* committed value since cur_t */
  uint64_t cur_t;
  int pend;          /* the latest value, assigned at pend_t (not yet committed) */
  uint64_t pend_t;
  uint64_t toggles;
  uint64_t high_ps;  /* ticks at 1 inside the window */
} Bit;

typedef struct {
  vpiHandle h;
  int size;
  int first_bit; /* index of its bit 0 in bits */
} Net;

typedef struct {
  char* name;
  int width;
  vpiHandle reg;
} Port;

static Bit* bits;
static int nbits, capbits;
static Net* nets;
static int nnets, capnets;
static Port* ports;
static int nports;
static vpiHandle rst_reg;
static FILE* in;
static FILE* out;
static uint64_t period_ticks = 10000; /* clock period in simulation ticks */
static int counting;
static uint64_t win_t0;
/* Stream state: phase 0 = between streams, 1..2 = reset edges, 3 = data edges. */
static int phase;
static long warm, meas, edge;
static char label[256];

static void die(const char* msg, const char* what) {
  vpi_printf("sysmt_activity: %s%s\n", msg, what ? what : "");
  vpi_control(vpiFinish, 2);
  exit(2);
}

static uint64_t now(void) {
  s_vpi_time t;
  t.type = vpiSimTime;
  vpi_get_time(NULL, &t);
  return ((uint64_t)t.high << 32) | t.low;
}

static int bit_of(const s_vpi_value* v, int size, int b) {
  if (size == 1 || v->format == vpiScalarVal) return v->value.scalar == vpi1;
  {
    const s_vpi_vecval* w = &v->value.vector[b / 32];
    const unsigned m = 1u << (b % 32);
    return (w->aval & m) && !(w->bval & m);
  }
}

static void commit(Bit* x) {
  if (x->pend == x->cur) return;
  if (counting) {
    x->toggles++;
    if (x->cur) x->high_ps += x->pend_t - x->cur_t;
  }
  x->cur = x->pend;
  x->cur_t = x->pend_t;
}

static void change(Bit* x, int v, uint64_t t) {
  if (t != x->pend_t) commit(x);
  x->pend = v;
  x->pend_t = t;
}

static PLI_INT32 on_change(p_cb_data cb) {
  Net* n = &nets[(intptr_t)cb->user_data];
  uint64_t t = ((uint64_t)cb->time->high << 32) | cb->time->low;
  int b;
  for (b = 0; b < n->size; ++b) change(&bits[n->first_bit + b], bit_of(cb->value, n->size, b), t);
  return 0;
}

static void read_now(Net* n, int* vals) {
  s_vpi_value v;
  int b;
  v.format = n->size == 1 ? vpiScalarVal : vpiVectorVal;
  vpi_get_value(n->h, &v);
  for (b = 0; b < n->size; ++b) vals[b] = bit_of(&v, n->size, b);
}

/* Window start: every net's current value, counters cleared. */
static void window_start(void) {
  uint64_t t = now();
  int i, b, vals[4096];
  for (i = 0; i < nnets; ++i) {
    read_now(&nets[i], vals);
    for (b = 0; b < nets[i].size; ++b) {
      Bit* x = &bits[nets[i].first_bit + b];
      x->cur = x->pend = vals[b];
      x->cur_t = x->pend_t = t;
      x->toggles = x->high_ps = 0;
    }
  }
  win_t0 = t;
  counting = 1;
}

static void window_end(void) {
  uint64_t t = now();
  int i;
  for (i = 0; i < nbits; ++i) {
    Bit* x = &bits[i];
    commit(x);
    if (x->cur) x->high_ps += t - x->cur_t;
    x->cur_t = x->pend_t = t;
  }
  counting = 0;
  fprintf(out, "stream %s %ld %d\n", label, meas, nbits);
  for (i = 0; i < nbits; ++i)
    fprintf(out, "%s %llu %.6f\n", bits[i].name, (unsigned long long)bits[i].toggles, (double)bits[i].high_ps / (double)period_ticks);
  (void)win_t0;
}

static void put_hex(Port* p, const char* hex) {
  s_vpi_value v;
  int words = (p->width + 31) / 32, bit = 0, i;
  const char* c;
  s_vpi_vecval* w = (s_vpi_vecval*)calloc((size_t)words, sizeof(s_vpi_vecval));
  for (c = hex + strlen(hex); c != hex && bit < p->width; bit += 4) {
    int d;
    --c;
    d = (*c >= '0' && *c <= '9') ? *c - '0' : (*c >= 'a' && *c <= 'f') ? *c - 'a' + 10 : (*c >= 'A' && *c <= 'F') ? *c - 'A' + 10 : -1;
    if (d < 0) die("bad hex value for port ", p->name);
    for (i = 0; i < 4 && bit + i < p->width; ++i)
      if ((d >> i) & 1) w[(bit + i) / 32].aval |= 1u << ((bit + i) % 32);
  }
  v.format = vpiVectorVal;
  v.value.vector = w;
  vpi_put_value(p->reg, &v, NULL, vpiNoDelay);
  free(w);
}

static void put_int(vpiHandle h, int x) {
  s_vpi_value v;
  v.format = vpiIntVal;
  v.value.integer = x;
  vpi_put_value(h, &v, NULL, vpiNoDelay);
}

static void set_ret(vpiHandle call, int x) { put_int(call, x); }

static const char* plusarg(const char* key) {
  s_vpi_vlog_info info;
  int i;
  size_t k = strlen(key);
  if (!vpi_get_vlog_info(&info)) return NULL;
  for (i = 0; i < info.argc; ++i)
    if (info.argv[i][0] == '+' && strncmp(info.argv[i] + 1, key, k) == 0 && info.argv[i][1 + k] == '=') return info.argv[i] + 2 + k;
  return NULL;
}

static void add_net(vpiHandle h) {
  const char* nm = vpi_get_str(vpiName, h);
  int size = vpi_get(vpiSize, h), b, lo = 0;
  Net* n;
  s_cb_data cb;
  s_vpi_time tm;
  s_vpi_value val;
  if (strcmp(nm, "clk") == 0) return; /* the clock's activity comes from its definition in OpenSTA */
  if (size < 1 || size > 4096) return;
  if (nnets == capnets) nets = (Net*)realloc(nets, sizeof(Net) * (size_t)(capnets = capnets ? 2 * capnets : 1024));
  n = &nets[nnets];
  n->h = h;
  n->size = size;
  n->first_bit = nbits;
  if (size > 1) {
    s_vpi_value r;
    int left, right;
    r.format = vpiIntVal;
    vpi_get_value(vpi_handle(vpiLeftRange, h), &r);
    left = r.value.integer;
    vpi_get_value(vpi_handle(vpiRightRange, h), &r);
    right = r.value.integer;
    lo = left < right ? left : right;
  }
  for (b = 0; b < size; ++b) {
    Bit* x;
    char buf[512];
    if (nbits == capbits) bits = (Bit*)realloc(bits, sizeof(Bit) * (size_t)(capbits = capbits ? 2 * capbits : 4096));
    x = &bits[nbits++];
    memset(x, 0, sizeof *x);
    if (size == 1)
      snprintf(buf, sizeof buf, "%s", nm);
    else
      snprintf(buf, sizeof buf, "%s[%d]", nm, lo + b);
    x->name = strdup(buf);
    x->net = nnets;
    x->bit = b;
  }
  memset(&cb, 0, sizeof cb);
  tm.type = vpiSimTime;
  val.format = size == 1 ? vpiScalarVal : vpiVectorVal;
  cb.reason = cbValueChange;
  cb.cb_rtn = on_change;
  cb.obj = h;
  cb.time = &tm;
  cb.value = &val;
  cb.user_data = (PLI_BYTE8*)(intptr_t)nnets;
  vpi_register_cb(&cb);
  ++nnets;
}

static PLI_INT32 open_calltf(PLI_BYTE8* unused) {
  vpiHandle call = vpi_handle(vpiSysTfCall, NULL), args = vpi_iterate(vpiArgument, call), dut, it, h;
  const char* s = plusarg("stimulus");
  const char* o = plusarg("activity");
  const char* p = plusarg("period_ps");
  char word[256], path[512];
  int i;
  (void)unused;
  if (!args || !(dut = vpi_scan(args))) die("$sysmt_open needs the design instance", NULL);
  vpi_free_object(args);
  if (!s || !o || !p) die("usage: vvp ... +stimulus=FILE +activity=FILE +period_ps=P", NULL);
  period_ticks = strtoull(p, NULL, 10);
  if (!period_ticks) die("bad +period_ps=", p);
  {
    /* Simulation ticks are the finest time precision of the design (1 ps from the testbench's timescale). */
    int prec = vpi_get(vpiTimePrecision, NULL);
    if (prec > -12) die("simulation precision coarser than 1 ps", NULL);
    for (; prec < -12; ++prec) period_ticks *= 10;
  }
  if (!(in = fopen(s, "r"))) die("cannot read ", s);
  if (!(out = fopen(o, "w"))) die("cannot write ", o);
  if (fscanf(in, "%255s %d", word, &nports) != 2 || strcmp(word, "ports") != 0 || nports < 0) die("expected 'ports N' in ", s);
  ports = (Port*)calloc((size_t)nports + 1, sizeof(Port));
  for (i = 0; i < nports; ++i) {
    if (fscanf(in, "%255s %d", word, &ports[i].width) != 2) die("bad port line in ", s);
    ports[i].name = strdup(word);
    snprintf(path, sizeof path, "sysmt_timed_tb.%s", word);
    if (!(ports[i].reg = vpi_handle_by_name(path, NULL))) die("no testbench register for input ", word);
  }
  rst_reg = vpi_handle_by_name("sysmt_timed_tb.rst_n", NULL);
  it = vpi_iterate(vpiNet, dut);
  while (it && (h = vpi_scan(it))) add_net(h);
  return 0;
}

/* Called right after each rising edge: closes or opens the window, sets the inputs of the next edge. */
static PLI_INT32 next_calltf(PLI_BYTE8* unused) {
  vpiHandle call = vpi_handle(vpiSysTfCall, NULL);
  char word[4096];
  int i;
  (void)unused;
  if (phase == 3 && edge == warm + meas) {
    window_end();
    phase = 0;
  }
  if (phase == 0) {
    if (fscanf(in, "%4095s", word) != 1) {
      fclose(out);
      out = NULL;
      set_ret(call, 0);
      return 0;
    }
    if (strcmp(word, "stream") != 0 || fscanf(in, "%255s %ld %ld", label, &warm, &meas) != 3 || warm < 0 || meas <= 0)
      die("expected 'stream LABEL WARMUP MEASURE', got ", word);
    for (i = 0; i < nports; ++i) put_hex(&ports[i], "0");
    if (rst_reg) put_int(rst_reg, 0);
    phase = 1;
    set_ret(call, 1);
    return 0;
  }
  if (phase == 1) {
    phase = 2;
    set_ret(call, 1);
    return 0;
  }
  if (phase == 2) {
    if (rst_reg) put_int(rst_reg, 1);
    phase = 3;
    edge = 0;
  }
  if (edge == warm) window_start();
  for (i = 0; i < nports; ++i) {
    if (fscanf(in, "%4095s", word) != 1) die("data ends early in stream ", label);
    put_hex(&ports[i], word);
  }
  ++edge;
  set_ret(call, 1);
  return 0;
}

static PLI_INT32 size32(PLI_BYTE8* unused) {
  (void)unused;
  return 32;
}

static void register_tasks(void) {
  s_vpi_systf_data tf;
  memset(&tf, 0, sizeof tf);
  tf.type = vpiSysTask;
  tf.tfname = "$sysmt_open";
  tf.calltf = open_calltf;
  vpi_register_systf(&tf);
  memset(&tf, 0, sizeof tf);
  tf.type = vpiSysFunc;
  tf.sysfunctype = vpiIntFunc;
  tf.tfname = "$sysmt_next";
  tf.calltf = next_calltf;
  tf.sizetf = size32;
  vpi_register_systf(&tf);
}

void (*vlog_startup_routines[])(void) = {register_tasks, 0};
