/* tools/include/tools.h - applications over results: sweeps and their merge, figures, host
 * calibration and the demo.  Each is a command of vkmmu: main() (cli/) calls it with the
 * arguments after "vkmmu" (argv[0] is the command's name) and exits with its answer
 * (VKMMU_EXIT_*, sim/include/sim.h). */
#ifndef VKMMU_TOOLS_H
#define VKMMU_TOOLS_H

int cmd_plot(int argc, char **argv);      /* tools/cmd_plot.c */
int cmd_sweep(int argc, char **argv);     /* tools/cmd_sweep.c */
int cmd_merge(int argc, char **argv);     /* tools/cmd_merge.c */
int cmd_calibrate(int argc, char **argv); /* tools/cmd_calibrate.c */
int cmd_demo(int argc, char **argv);      /* tools/cmd_demo.c */

#endif
