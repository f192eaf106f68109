#ifndef IMAPWORKER_CZLIB_H
#define IMAPWORKER_CZLIB_H
#include <zlib.h>
#endif
