# Hand-written coverage of every RV32IMAC + Zicsr + Zifencei + privileged instruction and of the
# alias forms objdump prints for them. Assembled with
#   riscv64-unknown-elf-as -march=rv32imac_zicsr_zifencei -mabi=ilp32
# and disassembled with objdump -d by the isa tests, which compare objdump's text with disasm().
# 32-bit forms are inside `.option norvc` so the assembler does not compress them.

        .text
        .globl _start
_start:
        .option push
        .option norvc
back:
        # ---- U-type ----
        lui     a5, 0x12
        lui     a5, 0xfffff
        lui     zero, 1
        auipc   a0, 0
        auipc   a0, 0x10
        auipc   zero, 0x80000
        # ---- jumps ----
        jal     ra, back
        jal     zero, back
        jal     a0, back
        jal     ra, fwd
        jal     zero, fwd
        jal     t6, fwd
        jalr    ra, 0(a0)
        jalr    zero, 0(ra)
        jalr    zero, 4(ra)
        jalr    zero, 0(a0)
        jalr    zero, -8(a0)
        jalr    a1, 8(a0)
        jalr    a1, 0(a0)
        jalr    ra, 8(a0)
        jalr    ra, -2048(a0)
        jalr    zero, 2047(t0)
        jalr    zero, 0(zero)
        jalr    ra, 0(zero)
        jalr    ra, 0(ra)
        # ---- branches, every alias case ----
        beq     a0, a1, back
        beq     a0, zero, back
        beq     zero, a0, back
        beq     zero, zero, back
        bne     a0, a1, fwd
        bne     a0, zero, fwd
        bne     zero, a0, fwd
        blt     a0, a1, back
        blt     a0, zero, back
        blt     zero, a0, back
        blt     zero, zero, back
        bge     a0, a1, fwd
        bge     a0, zero, fwd
        bge     zero, a0, fwd
        bge     zero, zero, fwd
        bltu    a0, a1, back
        bltu    zero, a1, back
        bltu    a1, zero, back
        bgeu    a0, a1, fwd
        bgeu    zero, a1, fwd
        bgeu    a1, zero, fwd
        bgt     a0, a1, back
        ble     a0, a1, back
        bgtu    a0, a1, back
        bleu    a0, a1, back
        # ---- loads / stores ----
        lb      a0, -20(s0)
        lh      a0, 0(s0)
        lw      a0, 2047(s0)
        lbu     a0, -2048(s0)
        lhu     a0, 4(s0)
        lw      zero, 0(zero)
        sb      a0, -20(s0)
        sh      a0, 2047(s0)
        sw      a0, -2048(s0)
        sw      zero, 0(sp)
        # ---- OP-IMM ----
        addi    a0, a1, 5
        addi    a0, a1, -2048
        addi    a0, zero, 5
        addi    a0, zero, -1
        addi    a0, a1, 0
        addi    zero, zero, 0
        addi    zero, zero, 1
        addi    a0, zero, 0
        addi    zero, a0, 0
        addi    sp, sp, -16
        slti    a0, a1, -1
        slti    a0, a1, 2047
        sltiu   a0, a1, 1
        sltiu   a0, a1, 2
        sltiu   a0, a1, -1
        xori    a0, a1, -1
        xori    a0, a1, 5
        xori    zero, zero, -1
        ori     a0, a1, 5
        ori     a0, a1, -2048
        andi    a0, a1, 5
        andi    a0, a1, 255
        slli    a0, a1, 31
        slli    a0, a1, 0
        srli    a0, a1, 3
        srli    a0, a1, 0
        srai    a0, a1, 3
        srai    a0, a1, 31
        # ---- OP ----
        add     a0, a1, a2
        add     a0, zero, a1
        add     zero, zero, a1
        add     a0, a1, zero
        sub     a0, a1, a2
        sub     a0, zero, a2
        sub     a0, a2, zero
        sll     a0, a1, a2
        slt     a0, a1, a2
        slt     a0, a1, zero
        slt     a0, zero, a1
        slt     a0, zero, zero
        sltu    a0, a1, a2
        sltu    a0, zero, a2
        sltu    a0, a2, zero
        xor     a0, a1, a2
        srl     a0, a1, a2
        sra     a0, a1, a2
        or      a0, a1, a2
        and     a0, a1, a2
        # ---- M ----
        mul     a0, a1, a2
        mulh    a0, a1, a2
        mulhsu  a0, a1, a2
        mulhu   a0, a1, a2
        div     a0, a1, a2
        divu    a0, a1, a2
        rem     a0, a1, a2
        remu    a0, a1, a2
        mul     zero, zero, zero
        # ---- fences ----
        fence
        fence   iorw, iorw
        fence   rw, rw
        fence   r, r
        fence   w, w
        fence   r, rw
        fence   rw, w
        fence   i, o
        fence   io, rw
        fence   o, iorw
        fence.tso
        fence.i
        .insn   4, 0x0000000f   # fence with empty sets
        .insn   4, 0x0100000f   # fence w,(empty)
        .insn   4, 0x0010000f   # fence (empty),w
        .insn   4, 0x0f00000f
        .insn   4, 0x1ff0000f   # unknown fm: objdump prints .4byte
        .insn   4, 0x8ff0000f   # fm=TSO but not rw,rw
        .insn   4, 0x0ff5050f   # rd/rs1 set (reserved; decoded, printed as .4byte)
        .insn   4, 0x0000128f   # fence.i with rd set
        .insn   4, 0x1230100f   # fence.i with imm set
        # ---- system ----
        ecall
        ebreak
        mret
        sret
        wfi
        sfence.vma
        sfence.vma a0
        sfence.vma a0, a1
        sfence.vma zero, a1
        # ---- Zicsr ----
        csrrw   a0, mstatus, a1
        csrrw   zero, mstatus, a1
        csrrw   zero, mstatus, zero
        csrrw   a0, mstatus, zero
        csrrs   a0, mstatus, zero
        csrrs   zero, mstatus, zero
        csrrs   a0, mstatus, a1
        csrrs   zero, mstatus, a1
        csrrc   zero, mstatus, a1
        csrrc   a0, mstatus, a1
        csrrc   a0, mstatus, zero
        csrrc   zero, mstatus, zero
        csrrwi  a0, mstatus, 5
        csrrwi  zero, mstatus, 5
        csrrwi  zero, mstatus, 0
        csrrsi  zero, mstatus, 5
        csrrsi  a0, mstatus, 31
        csrrsi  a0, mstatus, 0
        csrrci  zero, mstatus, 5
        csrrci  a0, mstatus, 5
        csrr    a0, cycle
        csrr    a0, time
        csrr    a0, instret
        csrr    a0, cycleh
        csrr    a0, timeh
        csrr    a0, instreth
        csrr    zero, cycle
        csrrs   a0, cycle, a1
        csrrw   zero, cycle, zero
        csrrw   a0, cycle, zero
        csrr    a0, 0x7ff
        csrr    a0, fflags
        csrr    a0, frm
        csrr    a0, fcsr
        csrw    fcsr, a1
        csrwi   frm, 1
        csrr    a0, satp
        csrr    a0, mhartid
        csrr    a0, mepc
        csrr    a0, mcause
        csrr    a0, mtval
        csrr    a0, mscratch
        csrr    a0, sepc
        csrr    a0, hpmcounter3
        csrr    a0, hpmcounter31h
        csrr    a0, mhpmcounter17
        csrr    a0, pmpaddr15
        csrr    a0, pmpcfg3
        csrr    a0, 0xfff
        # ---- A ----
        lr.w    a0, (a1)
        lr.w.aq a0, (a1)
        lr.w.rl a0, (a1)
        lr.w.aqrl a0, (a1)
        sc.w    a0, a2, (a1)
        sc.w.rl a0, a2, (a1)
        sc.w.aqrl a0, a2, (a1)
        amoswap.w a0, a2, (a1)
        amoswap.w.aq a0, a2, (a1)
        amoadd.w.aqrl a0, a2, (a1)
        amoadd.w zero, a2, (a1)
        amoxor.w a0, a2, (a1)
        amoand.w a0, a2, (a1)
        amoor.w.rl a0, a2, (a1)
        amomin.w a0, a2, (a1)
        amomax.w a0, a2, (a1)
        amominu.w a0, a2, (a1)
        amomaxu.w.aq a0, a2, (a1)
        # ---- encodings objdump knows but RV32 rejects, and plain unknowns ----
        .insn   4, 0x02059513   # slli with shamt[5]
        .insn   4, 0x0205d513   # srli with shamt[5]
        .insn   4, 0x4205d513   # srai with shamt[5]
        .insn   4, 0x42059513
        .insn   4, 0x0005b503   # ld
        .insn   4, 0x1015a52f   # lr.w with rs2 != 0
        .insn   4, 0x001000f3   # ebreak with rd != 0
        .insn   4, 0x00008073   # ecall with rs1 != 0
        .insn   4, 0x120000f3   # sfence.vma with rd != 0
        .insn   4, 0x00200073   # uret (N extension, withdrawn)
        .insn   4, 0x20200073   # hret (old privileged spec)
        .insn   4, 0x7b200073   # dret (debug mode)
        .insn   4, 0x10400073   # sfence.vm (privileged spec 1.9)
        .insn   4, 0x10450073   # sfence.vm a0
        .insn   4, 0x0000003b   # addw (RV64)
        .insn   4, 0x00000007   # flw
        .insn   4, 0xffffffff & ~0x1c
        .option pop
fwd:
        # ---- compressed ----
        .option push
        .option rvc
        c.addi4spn a0, sp, 16
        c.addi4spn s1, sp, 1020
        c.lw    a0, 4(a1)
        c.lw    s0, 124(a5)
        c.sw    a0, 4(a1)
        c.sw    s1, 0(a5)
        c.nop
        c.addi  a0, 5
        c.addi  a0, -32
        c.addi  sp, 31
        c.jal   back
        c.jal   fwd2
        c.li    a0, -1
        c.li    ra, 0
        c.li    t6, 31
        c.addi16sp sp, -16
        c.addi16sp sp, 496
        c.addi16sp sp, -512
        c.lui   a0, 0xfffff
        c.lui   a0, 1
        c.lui   t6, 0x1f
        c.lui   ra, 0xfffe0
        c.srli  a0, 3
        c.srli  s0, 31
        c.srai  a0, 3
        c.srai  a5, 1
        c.andi  a0, -1
        c.andi  a0, 0
        c.andi  s1, 31
        c.sub   a0, a1
        c.xor   a0, a1
        c.or    a0, a1
        c.and   a0, a1
        c.j     back
        c.j     fwd2
        c.beqz  a0, fwd2
        c.beqz  s1, fwd
        c.bnez  a0, fwd2
        c.bnez  a5, fwd
        c.slli  a0, 3
        c.slli  t6, 31
        c.lwsp  a0, 4(sp)
        c.lwsp  ra, 252(sp)
        c.jr    ra
        c.jr    a0
        c.mv    a0, a1
        c.mv    sp, s0
        c.ebreak
        c.jalr  a0
        c.jalr  ra
        c.add   a0, a1
        c.add   sp, t0
        c.swsp  a0, 4(sp)
        c.swsp  ra, 252(sp)
        # HINTs, reserved and unknown compressed encodings
        .insn   2, 0x0005       # c.nop 1
        .insn   2, 0x1001       # c.nop -32
        .insn   2, 0x0501       # c.addi a0,0
        .insn   2, 0x4001       # c.li zero,0
        .insn   2, 0x6005       # c.lui zero,1
        .insn   2, 0x0002       # c.slli64 zero
        .insn   2, 0x0502       # c.slli64 a0
        .insn   2, 0x0006       # c.slli zero,1
        .insn   2, 0x8001       # c.srli64 s0
        .insn   2, 0x8401       # c.srai64 s0
        .insn   2, 0x8006       # c.mv zero,ra
        .insn   2, 0x9006       # c.add zero,ra
        .insn   2, 0x0000       # c.unimp
        .insn   2, 0x0004       # c.addi4spn nzuimm=0
        .insn   2, 0x6101       # c.addi16sp 0
        .insn   2, 0x6001       # c.lui imm=0
        .insn   2, 0x6081
        .insn   2, 0x8002       # c.jr zero
        .insn   2, 0x4002       # c.lwsp zero
        .insn   2, 0x1002       # c.slli zero,0x20
        .insn   2, 0x1082       # c.slli ra,0x20
        .insn   2, 0x9001       # c.srli s0,0x20
        .insn   2, 0x9401       # c.srai s0,0x20
        .insn   2, 0x9c01       # c.subw (RV64)
        .insn   2, 0x9c21       # c.addw (RV64)
        .insn   2, 0x2002       # c.fldsp
        .insn   2, 0x6000       # c.flw
        .insn   2, 0xa002       # c.fsdsp
        .insn   2, 0xe002       # c.fswsp
        .insn   2, 0x8000       # reserved quadrant-0 slot
        .option pop
fwd2:
        ret
