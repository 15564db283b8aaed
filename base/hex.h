/* Hexadecimal digits. */
#ifndef NANOSH_HEX_H
#define NANOSH_HEX_H

/* The value of one hexadecimal digit (either case), or -1 for anything else. */
int ws_hexval(int c);

#endif
