// Package bash is the "bash" task type, Airflow's BashOperator: it runs a
// command (bash_command through bash -c, or argv without a shell) with the
// worker's user and rights, streams its stdout and stderr into the try's
// log, and returns the last line of stdout as the task's XCom.
//
// Exit code 0 succeeds; a code in skip_on_exit_code (default 99) ends the
// try as skipped; any other fails it (and it is retried). When the try's
// context ends (execution_timeout, shutdown) the whole process group is
// killed. Trigger conf values reach the command only where the DAG author
// templates them in: a templated bash_command is a shell script built from
// its inputs, so pass untrusted values through env and quote them in the
// script ("$VAR"), as Airflow's documentation warns.
//
// A deployment that must not run shell commands leaves the type out with
// the worker's --allow-operators setting.
package bash
