/* watch-changes.c: tells each change of a stored credential, by this
 * program or any other (pi-keyring set, pi's /login, a refresh …)
 *
 * Build: cc watch-changes.c -o watch-changes $(pkg-config --cflags --libs pi-keyring-1)
 * Run:   ./watch-changes            (every provider)
 *        ./watch-changes anthropic  (one provider)
 */
#include <stdlib.h>
#include <pi-keyring/pi-keyring.h>

static void
on_credential_changed (PiKeyringStore *store,
                       const char     *provider,
                       gpointer        user_data)
{
  g_autoptr (PiKeyringCredential) credential = NULL;
  g_autoptr (GError) error = NULL;

  /* The signal says which provider; the store says what it has now. */
  credential = pi_keyring_store_get_credential_sync (store, provider, NULL, &error);
  if (error != NULL)
    g_printerr ("%s: %s\n", provider, error->message);
  else if (credential == NULL)
    g_print ("%s: removed\n", provider);
  else
    g_print ("%s: %s\n", provider,
             pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH
             ? "OAuth login" : "API key");
}

int
main (int argc, char **argv)
{
  g_autoptr (PiKeyringStore) store = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree char *signal = NULL;

  if (argc > 2)
    {
      g_printerr ("usage: %s [PROVIDER]\n", argv[0]);
      return EXIT_FAILURE;
    }

  store = pi_keyring_store_new (NULL);

  /* The detail, when given, is the one provider to hear about. */
  signal = argc == 2 ? g_strconcat ("credential-changed::", argv[1], NULL)
                     : g_strdup ("credential-changed");
  g_signal_connect (store, signal, G_CALLBACK (on_credential_changed), NULL);

  /* Follow the changes of other programs too: this needs a main loop. */
  g_object_set (store, "watch-changes", TRUE, NULL);

  g_print ("Watching for changes; Ctrl+C to stop\n");
  loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (loop);
  return EXIT_SUCCESS;
}
