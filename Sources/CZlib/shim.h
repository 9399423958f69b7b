#ifndef AIRLOCK_CZLIB_SHIM_H
#define AIRLOCK_CZLIB_SHIM_H
// zlib, for archive members (raw deflate) and PDF object streams (zlib format).
#include <zlib.h>

// inflateInit2 is a macro over inflateInit2_: give Swift a function.
static inline int CZlib_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
