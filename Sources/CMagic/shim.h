#ifndef AIRLOCK_CMAGIC_SHIM_H
#define AIRLOCK_CMAGIC_SHIM_H
// libmagic (file 5.44) for content type detection.
#include <magic.h>
#endif
