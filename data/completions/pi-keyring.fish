# fish completion for pi-keyring: commands, options, provider ids (from
# `pi-keyring providers --json`) and, for remove/logout/refresh, the stored
# ones (from `pi-keyring list --json`).

# The command of the command line (the first word that is not an option nor
# the value of --backend or --profile), or nothing.
function __pi_keyring_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    while set -q tokens[1]
        switch $tokens[1]
            case --backend --profile
                set -e tokens[1]
            case '-*'
            case '*'
                echo $tokens[1]
                return 0
        end
        set -e tokens[1]
    end
    return 1
end

# Whether the command is one of the arguments (or, without any, whether there
# is no command yet).
function __pi_keyring_using
    set -l command (__pi_keyring_command)
    or begin
        not set -q argv[1]
        return
    end
    set -q argv[1]
    and contains -- $command $argv
end

# __pi_keyring_json_ids FALLBACK KEY [FIELD=VALUE…]: the KEY strings of the
# objects in the JSON on standard input whose FIELDs have those VALUEs. Those
# of backend "file" (pi's auth.json, read as a fallback) are kept for the
# FALLBACK "keep", dropped for "drop", and for "auto" kept only when no other
# backend has any. The JSON is read as tokens, whatever its layout.
function __pi_keyring_json_ids --argument-names fallback key
    set -e argv[1 2]
    set -l where (string join \n -- $argv | string collect)
    command grep -oE '"([^"\\\\]|\\\\.)*"|[{}:]|true|false|null' |
        PI_KEYRING_COMPLETE_WHERE="$where" command awk -v key="$key" -v fallback="$fallback" '
      BEGIN { nc = split(ENVIRON["PI_KEYRING_COMPLETE_WHERE"], cond, "\\n") }
      $0 == "{" { split("", f); colon = 0; next }
      $0 == "}" {
        ok = (f[key] != "")
        for (i = 1; i <= nc; i++) {
          eq = index(cond[i], "=")
          if (f[substr(cond[i], 1, eq - 1)] != substr(cond[i], eq + 1)) ok = 0
        }
        if (ok) {
          n++; id[n] = f[key]; fromfile[n] = (f["backend"] == "file")
          if (!fromfile[n]) other = 1
        }
        next
      }
      $0 == ":" { colon = 1; next }
      {
        v = $0
        if (v ~ /^"/) v = substr(v, 2, length(v) - 2)
        if (colon) f[last] = v
        colon = 0; last = v
      }
      END {
        for (i = 1; i <= n; i++)
          if (!fromfile[i] || fallback == "keep" || (fallback == "auto" && !other))
            print id[i]
      }'
end

# The provider ids to offer: providers (every one), login (the OAuth ones),
# stored (those with a stored credential) or refresh (the stored OAuth
# ones). The global options typed so far are passed on, so that the stored
# ones are listed from the backend and profile the command will use. Errors
# (a locked or missing keyring) are not shown: there is just nothing to offer.
function __pi_keyring_ids --argument-names what
    set -l tokens (commandline -opc)
    set -l program $tokens[1]
    set -e tokens[1]
    set -l args
    set -l profile default
    set -l backend $PI_KEYRING_BACKEND
    while set -q tokens[1]
        switch $tokens[1]
            case '--backend=*'
                set -a args $tokens[1]
                set backend (string replace -- --backend= '' $tokens[1])
            case --backend
                set -e tokens[1]
                set -q tokens[1]; and set -a args --backend=$tokens[1]; and set backend $tokens[1]
            case '--profile=*'
                set profile (string replace -- --profile= '' $tokens[1])
            case --profile
                set -e tokens[1]
                set -q tokens[1]; and set profile $tokens[1]
            case --
                break
        end
        set -e tokens[1]
    end
    # remove deletes from the backend only: not from pi's auth.json read as a
    # fallback, unless the backend is that file.
    set -l fallback drop
    switch "$backend"
        case file
            set fallback keep
        case '' auto
            set fallback auto
    end
    switch $what
        case providers
            $program $args providers --json </dev/null 2>/dev/null | __pi_keyring_json_ids keep id
        case login
            $program $args providers --json </dev/null 2>/dev/null | __pi_keyring_json_ids keep id oauth=true
        case stored
            $program $args --profile=$profile list --json </dev/null 2>/dev/null | __pi_keyring_json_ids $fallback provider profile=$profile
        case refresh
            $program $args --profile=$profile list --json </dev/null 2>/dev/null | __pi_keyring_json_ids keep provider profile=$profile kind=oauth
    end | sort -u
end

# After `exec … --`: the command to run and its own arguments.
function __pi_keyring_exec_has_command
    __pi_keyring_using exec
    and contains -- -- (commandline -opc)
end

function __pi_keyring_exec_complete_command
    set -l tokens (commandline -opc) (commandline -ct)
    set -l i (contains -i -- -- $tokens)
    or return
    __fish_complete_subcommand --commandline $tokens[(math $i + 1)..-1]
end

complete -c pi-keyring -f

# The commands.
set -l __pi_keyring_commands providers list status get set remove logout login refresh import export exec unlock daemon setup-pi help
complete -c pi-keyring -n __pi_keyring_using -a providers -d 'List the providers pi knows'
complete -c pi-keyring -n __pi_keyring_using -a list -d 'List the stored credentials'
complete -c pi-keyring -n __pi_keyring_using -a status -d 'Show where each key comes from'
complete -c pi-keyring -n __pi_keyring_using -a get -d 'Print the key pi would use'
complete -c pi-keyring -n __pi_keyring_using -a set -d 'Store an API key'
complete -c pi-keyring -n __pi_keyring_using -a remove -d 'Remove a stored credential'
complete -c pi-keyring -n __pi_keyring_using -a logout -d 'Remove a stored credential'
complete -c pi-keyring -n __pi_keyring_using -a login -d 'Log in to an OAuth provider'
complete -c pi-keyring -n __pi_keyring_using -a refresh -d 'Refresh the stored OAuth tokens now'
complete -c pi-keyring -n __pi_keyring_using -a import -d "Copy pi's auth.json into the backend"
complete -c pi-keyring -n __pi_keyring_using -a export -d 'Write a pi-compatible auth.json'
complete -c pi-keyring -n __pi_keyring_using -a exec -d "Run a command with the keys in pi's variables"
complete -c pi-keyring -n __pi_keyring_using -a unlock -d 'Unlock the keyring or check the vault passphrase'
complete -c pi-keyring -n __pi_keyring_using -a daemon -d 'Keep OAuth tokens fresh, serve them on the bus'
complete -c pi-keyring -n __pi_keyring_using -a setup-pi -d "Install pi-keyring's extension for pi"
complete -c pi-keyring -n __pi_keyring_using -a help -d 'Show the options of a command'
complete -c pi-keyring -n '__pi_keyring_using help' -a "$__pi_keyring_commands"

# The global options, before or after the command.
complete -c pi-keyring -n 'not __pi_keyring_exec_has_command' -l backend -x -a 'auto secret-service file encrypted-file memory' -d 'Where credentials are kept'
complete -c pi-keyring -n 'not __pi_keyring_exec_has_command' -l profile -x -d 'Use the credentials of a profile'
complete -c pi-keyring -n 'not __pi_keyring_exec_has_command' -l json -d 'Print machine-readable JSON'
complete -c pi-keyring -n 'not __pi_keyring_exec_has_command' -l interactive -d 'Allow prompts'
complete -c pi-keyring -n 'not __pi_keyring_exec_has_command' -s h -l help -d 'Show the options'
complete -c pi-keyring -n __pi_keyring_using -l version -d 'Print the version'

# The options and arguments of each command.
complete -c pi-keyring -n '__pi_keyring_using get set status' -a '(__pi_keyring_ids providers)'
complete -c pi-keyring -n '__pi_keyring_using login' -a '(__pi_keyring_ids login)'
complete -c pi-keyring -n '__pi_keyring_using login' -l no-browser -d 'Only print the URL'
complete -c pi-keyring -n '__pi_keyring_using login' -l enterprise-domain -x -d 'Log in to GitHub Enterprise at a domain'
complete -c pi-keyring -n '__pi_keyring_using remove logout' -a '(__pi_keyring_ids stored)'
complete -c pi-keyring -n '__pi_keyring_using refresh' -a '(__pi_keyring_ids refresh)'
complete -c pi-keyring -n '__pi_keyring_using import' -F
complete -c pi-keyring -n '__pi_keyring_using import' -l link -d 'Leave entries that ask pi-keyring, and set pi up'
complete -c pi-keyring -n '__pi_keyring_using export' -F -a - -d 'Standard output'
complete -c pi-keyring -n '__pi_keyring_using exec; and not __pi_keyring_exec_has_command' -s p -l provider -x -a '(__pi_keyring_ids providers)' -d 'Hand over the key of a provider only'
complete -c pi-keyring -n '__pi_keyring_using exec; and not __pi_keyring_exec_has_command' -a -- -d 'The command to run follows'
complete -c pi-keyring -n __pi_keyring_exec_has_command -a '(__pi_keyring_exec_complete_command)'
complete -c pi-keyring -n '__pi_keyring_using daemon' -l replace -d 'Take the place of a running daemon'
complete -c pi-keyring -n '__pi_keyring_using setup-pi' -l undo -d "Remove pi-keyring's extension again"
