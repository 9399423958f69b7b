#ifndef AIRLOCK_CCLAMAV_SHIM_H
#define AIRLOCK_CCLAMAV_SHIM_H
// libclamav for in-process scanning. Macro-only constants do not import into Swift: these give them names.
#include <clamav.h>

static inline unsigned int CClamAV_db_stdopt(void) { return CL_DB_STDOPT; }
static inline unsigned int CClamAV_init_default(void) { return CL_INIT_DEFAULT; }
#endif
