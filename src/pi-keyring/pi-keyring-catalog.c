/* STUB: to be written. */
#include "config.h"
#include "pi-keyring-private.h"
