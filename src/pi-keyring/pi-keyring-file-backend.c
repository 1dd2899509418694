/* STUB: replaced by the auth.json backend. */
#include "config.h"
#include "pi-keyring-private.h"

PiKeyringBackend *
pi_keyring_file_backend_new (const char *path)
{
  return pi_keyring_memory_backend_new ();
}
