-- version: ARGV = version hash, now_ms. Records the DAG's version (see
-- dag_version in lib.lua) and returns its "<number>:<first seen, ms>".
return dag_version(ARGV[1], ARGV[2])
