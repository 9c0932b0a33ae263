// raw_syscall.h — a system call made directly with ecall (rv32 Linux ABI: number in a7,
// arguments in a0..a5, result or -errno in a0), for test programs that must bypass newlib.
#ifndef RVSCOPE_RAW_SYSCALL_H
#define RVSCOPE_RAW_SYSCALL_H

static inline long sys6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long x10 __asm__("a0") = a0;
    register long x11 __asm__("a1") = a1;
    register long x12 __asm__("a2") = a2;
    register long x13 __asm__("a3") = a3;
    register long x14 __asm__("a4") = a4;
    register long x15 __asm__("a5") = a5;
    register long x17 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(x10)
                     : "r"(x11), "r"(x12), "r"(x13), "r"(x14), "r"(x15), "r"(x17)
                     : "memory");
    return x10;
}

#endif
