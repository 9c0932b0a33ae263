/* rvscope replacement for libgloss/riscv/crt0.S (written for rvscope).
 *
 * Entered at _start with the Linux initial stack:
 *     sp -> argc, argv[0..argc-1], NULL, envp[0..], NULL, auxv pairs...
 * Differences from the stock newlib 3.3.0 crt0:
 *   - `environ` is pointed at the envp[] block on the stack (the stock crt0
 *     leaves it empty, so getenv() never saw the process environment);
 *   - main() receives envp as its third argument (stock passes NULL).
 */
  .text
  .globl  _start
  .type   _start, @function
_start:
  /* gp must be set up without linker relaxation (relaxation would turn this
     into "mv gp, gp"). */
  .option push
  .option norelax
  la      gp, __global_pointer$
  .option pop

  /* Zero .bss: memset(_edata, 0, _end - _edata). */
  la      a0, _edata
  la      a2, _end
  sub     a2, a2, a0
  li      a1, 0
  call    memset

  /* environ = &argv[argc + 1] (the word after argv's NULL). */
  lw      t0, 0(sp)            /* t0 = argc */
  addi    t1, sp, 4            /* t1 = argv */
  addi    t0, t0, 1
  slli    t0, t0, 2
  add     t1, t1, t0           /* t1 = envp */
  la      t2, environ
  sw      t1, 0(t2)

  /* Run destructors at exit(), constructors now. */
  la      a0, __libc_fini_array
  call    atexit
  call    __libc_init_array

  /* main(argc, argv, envp); then exit with its return value. */
  lw      a0, 0(sp)
  addi    a1, sp, 4
  la      t2, environ
  lw      a2, 0(t2)
  call    main
  tail    exit
  .size   _start, .-_start
