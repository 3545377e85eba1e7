/* The CLI's subcommands. Each lives in src/app/cmd_<name>.c and has the same shape: it gets
 * argv from its own name on, parses its own options (with --help), and returns the process
 * exit status (0 ok, 1 failure on the input, 2 usage error). */
#ifndef SMARTFLOW_APP_COMMANDS_H
#define SMARTFLOW_APP_COMMANDS_H

struct sf_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
};

/* The table of subcommands, NULL-name terminated. */
extern const struct sf_command sf_commands[];

/* Entry point used by main(). */
int sf_cli_main(int argc, char **argv);

/* Prints "smartflow VERSION" and the compiled-in features. */
void sf_cli_print_version(void);

int sf_cmd_run(int argc, char **argv);
int sf_cmd_serve(int argc, char **argv);
int sf_cmd_compute(int argc, char **argv);
int sf_cmd_gen(int argc, char **argv);
int sf_cmd_eval(int argc, char **argv);
int sf_cmd_calibrate(int argc, char **argv);
int sf_cmd_import(int argc, char **argv);
int sf_cmd_refdata(int argc, char **argv);
int sf_cmd_tape(int argc, char **argv);
int sf_cmd_contract(int argc, char **argv);
/* Distributed services go here. */
int sf_cmd_bench(int argc, char **argv);
int sf_cmd_compute_bus(int argc, char **argv); /* `compute --bus`, called by sf_cmd_compute */
int sf_cmd_ingest(int argc, char **argv);
int sf_cmd_replay(int argc, char **argv);
int sf_cmd_verify_replay(int argc, char **argv);
int sf_cmd_export(int argc, char **argv);

#endif
