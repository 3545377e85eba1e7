/* smartflow's entry point: everything is in the app layer. */
#include "app/commands.h"

int main(int argc, char **argv) { return sf_cli_main(argc, argv); }
