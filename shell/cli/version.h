/* nanosh --version: the program's version, the libraries it runs with, and which of its
 * optional features work on this machine (issue 14, item 8). */
#ifndef NANOSH_SHELL_CLI_VERSION_H
#define NANOSH_SHELL_CLI_VERSION_H
#include <stdio.h>

/* MIT krb5 has no call that tells its version: the one pkg-config gave at build time
 * (written by shell/cli/version.am into the generated krb5_version.c). */
extern const char nanosh_krb5_version[];

/* Prints the version report to out. Loads readline, libsmbclient and libarchive with
 * dlopen to tell whether they are usable; returns 0. */
int version_print(FILE *out);

#endif
