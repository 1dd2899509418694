/* get-key.c: the key pi would use for a provider
 *
 * Build: cc get-key.c -o get-key $(pkg-config --cflags --libs pi-keyring-1)
 * Run:   ./get-key anthropic
 */
#include <stdlib.h>
#include <string.h>
#include <pi-keyring/pi-keyring.h>

int
main (int argc, char **argv)
{
  g_autoptr (PiKeyringStore) store = NULL;
  g_autoptr (GError) error = NULL;
  PiKeyringSource source = PI_KEYRING_SOURCE_NONE;
  char *key;

  if (argc != 2)
    {
      g_printerr ("usage: %s PROVIDER\n", argv[0]);
      return EXIT_FAILURE;
    }

  /* The backend PI_KEYRING_BACKEND names, or the best one there is:
   * the Secret Service (GNOME Keyring, KWallet) when it runs. */
  store = pi_keyring_store_new (NULL);

  /* pi's order: the keyring, then pi's auth.json, then the environment;
   * an expired OAuth token is refreshed (and stored) on the way. */
  key = pi_keyring_store_get_api_key_sync (store, argv[1], &source, NULL, &error);
  if (key == NULL)
    {
      if (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
        g_printerr ("No key for %s: store one with pi-keyring set %s\n", argv[1], argv[1]);
      else
        g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  /* Use the key (an Authorization header, say), but never print or log it. */
  g_print ("%s: a key of %zu characters, from %s\n",
           argv[1], strlen (key), pi_keyring_source_to_string (source));

  /* The key is a secret: wipe it before freeing it. */
  explicit_bzero (key, strlen (key));
  g_free (key);
  return EXIT_SUCCESS;
}
