#ifndef IMAPWORKER_CHIREDIS_H
#define IMAPWORKER_CHIREDIS_H
/* Linked without pkg-config: hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses. */
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
