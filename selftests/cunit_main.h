/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Common main() for the CUnit suites: runs every registered suite and prints
 * one "ok"/"fail" line per test (the format scripts/run-tests.sh counts),
 * then CUnit's own summary. Exit 1 on any failure.
 *
 * A suite file defines `static void register_tests(void)` and then includes
 * this header once.
 */
#ifndef VTAP_CUNIT_MAIN_H
#define VTAP_CUNIT_MAIN_H

#include <stdio.h>
#include <CUnit/Basic.h>

static void register_tests(void);

static void vtap_test_done(const CU_pTest test, const CU_pSuite suite,
			   const CU_pFailureRecord failures)
{
	if (!failures) {
		printf("ok %s: %s\n", suite->pName, test->pName);
		return;
	}
	printf("fail %s: %s\n", suite->pName, test->pName);
	for (CU_pFailureRecord f = failures; f; f = f->pNext)
		printf("    %s:%u: %s\n", f->strFileName, f->uiLineNumber, f->strCondition);
}

int main(void)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	register_tests();
	/* CU_run_all_tests, not CU_basic_run_tests: the latter installs
	 * handlers of its own over ours. */
	CU_set_test_complete_handler(vtap_test_done);
	CU_run_all_tests();
	failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
	printf("\nRun Summary: tests run %u, failed %u, asserts %u\n",
	       CU_get_number_of_tests_run(), CU_get_number_of_tests_failed(),
	       CU_get_number_of_asserts());
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#endif
