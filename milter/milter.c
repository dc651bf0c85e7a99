/*
 * milter.c - the process-wide state of ssmp-milter (milter.h), apart from
 * main(): the callbacks read it, main() sets it up, and neither needs the
 * other's file for it.
 */
#include "milter.h"

struct milter *milter;
