#ifndef SSMP_JSON_H
#define SSMP_JSON_H
#endif
