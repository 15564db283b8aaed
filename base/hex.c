/* Hexadecimal digits, without the locale that isxdigit() and tolower() consult. */
#include "base/hex.h"

int ws_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
