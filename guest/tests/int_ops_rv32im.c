// int_ops_rv32im.c — tests/int_ops.c built for RV32IM (no A, no C extension):
// every instruction is 32 bits wide.  The output must match int_ops exactly.
//
// rvscope-march: rv32im
#include "int_ops.c"
