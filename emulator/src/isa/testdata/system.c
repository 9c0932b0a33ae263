/* Privileged / system instructions via inline assembly, the way kernel-ish code uses them. */

#define csr_read(name) ({ unsigned long v_; __asm__ volatile("csrr %0, " #name : "=r"(v_)); v_; })
#define csr_write(name, v) __asm__ volatile("csrw " #name ", %0" ::"rK"(v))
#define csr_set(name, v) __asm__ volatile("csrs " #name ", %0" ::"rK"(v))
#define csr_clear(name, v) __asm__ volatile("csrc " #name ", %0" ::"rK"(v))
#define csr_swap(name, v) ({ unsigned long v_; __asm__ volatile("csrrw %0, " #name ", %1" : "=r"(v_) : "rK"(v)); v_; })

unsigned long long rdcycle64(void)
{
    unsigned hi, lo, hi2;
    do {
        hi = csr_read(cycleh);
        lo = csr_read(cycle);
        hi2 = csr_read(cycleh);
    } while (hi != hi2);
    return ((unsigned long long)hi << 32) | lo;
}

unsigned long counters(void)
{
    return csr_read(time) + csr_read(instret) + csr_read(timeh) + csr_read(instreth);
}

void trap_setup(void (*handler)(void), unsigned long sp)
{
    csr_write(mtvec, handler);
    csr_write(mscratch, sp);
    csr_set(mstatus, 8);
    csr_clear(mstatus, 0x1800);
    csr_set(mie, 0x888);
    csr_write(mepc, 0);
    csr_write(satp, sp >> 12);
    __asm__ volatile("sfence.vma" ::: "memory");
    __asm__ volatile("sfence.vma %0" ::"r"(sp) : "memory");
    __asm__ volatile("sfence.vma %0, %1" ::"r"(sp), "r"(handler) : "memory");
    __asm__ volatile("fence.i" ::: "memory");
}

unsigned long trap_info(void)
{
    return csr_read(mcause) ^ csr_read(mtval) ^ csr_read(mepc) ^ csr_read(mhartid) ^
           csr_read(scause) ^ csr_read(stval) ^ csr_read(sepc) ^ csr_read(0x7c0) ^
           csr_swap(sscratch, 0) ^ csr_swap(mscratch, 17);
}

void idle(void)
{
    __asm__ volatile("wfi");
    __asm__ volatile("ecall");
    __asm__ volatile("ebreak");
    __asm__ volatile("fence iorw, iorw");
    __asm__ volatile("fence r, rw");
    __asm__ volatile("fence.tso");
}

void __attribute__((naked)) ret_m(void) { __asm__ volatile("mret"); }
void __attribute__((naked)) ret_s(void) { __asm__ volatile("sret"); }
