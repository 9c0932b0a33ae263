// trace_loop.c — a tiny loop for the trace golden tests (tests/trace.rs): main sums an
// array in .data and stores the sum back, so its trace shows fetches, loads and a store, the
// first touches of pages (minor faults) and cache lines (misses) and the hits after them.
// The loop bound comes from argc so the compiler keeps the loop.
//
// rvscope-exit: 36
int data[8] = {1, 2, 3, 4, 5, 6, 7, 8};

int main(int argc, char **argv)
{
    (void)argv;
    int sum = 0;
    for (int i = 0; i < 8 * argc; i++)
        sum += data[i & 7];
    data[0] = sum;
    return sum;
}
