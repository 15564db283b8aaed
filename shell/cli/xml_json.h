/* WS-Management replies as JSON for "nanosh wsman". Mapping: an element with only text
 * becomes a string (xsi:nil="true": null); otherwise an object of its attributes
 * ("@name"), its child elements by local name (repeated names: an array) and any text
 * ("#text"). The top level is {"RootName": value}. */
#ifndef NANOSH_SHELL_XML_JSON_H
#define NANOSH_SHELL_XML_JSON_H
#include <stdio.h>

/* Writes xml (one element) to f as JSON at the given indent. Returns 0, or 255 after a
 * one-line error when the XML does not parse. */
int xml_json_write(FILE *f, const char *xml, int indent);

/* Element children visited so far while grouping siblings by name: tests check that it
 * grows linearly with the number of siblings. */
unsigned long long xml_json_sibling_visits(void);   /* this thread's count */

#endif
