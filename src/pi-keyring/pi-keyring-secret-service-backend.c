/* STUB: replaced by the Secret Service backend. */
#include "config.h"
#include "pi-keyring-private.h"

PiKeyringBackend *
pi_keyring_secret_service_backend_new (void)
{
  return pi_keyring_memory_backend_new ();
}

gboolean
pi_keyring_secret_service_backend_is_available (GCancellable *cancellable)
{
  return FALSE;
}
