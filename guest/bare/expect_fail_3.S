// expect_fail_3.S — EXPECTED TO FAIL, at case 3: cases 1 and 2 pass, case 3
// asserts 1 + 1 == 3.  It checks the failure path of the environment: the
// run must end with tohost = 3 << 1 | 1, i.e. exit status 3, after printing
// the failure line on the HTIF console.
//
// rvscope-exit: 3
// rvscope-stdout: FAIL: case 3 got 0x00000002 want 0x00000003
#include "test.h"

TEST_BEGIN
    TEST_CASE(1)
    li a2, 1
    ASSERT_EQ a2, 1

    TEST_CASE(2)
    addi a2, a2, 1
    ASSERT_EQ a2, 2

    TEST_CASE(3)
    ASSERT_EQ a2, 3             /* deliberately wrong */

    PASS
