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

# The KEY strings of the objects in the JSON on standard input, only of those
# whose FIELD is VALUE when given (__pi_keyring_json_ids KEY [FIELD VALUE]).
# It reads the JSON as tokens, so that it does not depend on the layout.
function __pi_keyring_json_ids
    command grep -oE '"([^"\\\\]|\\\\.)*"|[{}:]|true|false|null' |
        command awk -v key="\"$argv[1]\"" -v field="\"$argv[2]\"" -v value="$argv[3]" '
          $0 == "{" { id = ""; ok = (value == ""); colon = 0; next }
          $0 == "}" { if (id != "" && ok) print substr(id, 2, length(id) - 2); id = ""; next }
          $0 == ":" { colon = 1; next }
          colon {
            if (last == key) id = $0
            if (last == field && ($0 == value || $0 == "\"" value "\"")) ok = 1
            colon = 0
          }
          { last = $0 }'
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
    while set -q tokens[1]
        switch $tokens[1]
            case '--backend=*'
                set -a args $tokens[1]
            case --backend
                set -e tokens[1]
                set -q tokens[1]; and set -a args --backend=$tokens[1]
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
    switch $what
        case providers
            $program $args providers --json </dev/null 2>/dev/null | __pi_keyring_json_ids id
        case login
            $program $args providers --json </dev/null 2>/dev/null | __pi_keyring_json_ids id oauth true
        case stored
            $program $args --profile=$profile list --json </dev/null 2>/dev/null | __pi_keyring_json_ids provider
        case refresh
            $program $args --profile=$profile list --json </dev/null 2>/dev/null | __pi_keyring_json_ids provider kind oauth
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
set -l __pi_keyring_commands providers list status get set remove logout login refresh import export exec unlock daemon help
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
complete -c pi-keyring -n '__pi_keyring_using import' -l link -d 'Rewrite the imported API keys to ask pi-keyring'
complete -c pi-keyring -n '__pi_keyring_using export' -F -a - -d 'Standard output'
complete -c pi-keyring -n '__pi_keyring_using exec; and not __pi_keyring_exec_has_command' -s p -l provider -x -a '(__pi_keyring_ids providers)' -d 'Hand over the key of a provider only'
complete -c pi-keyring -n '__pi_keyring_using exec; and not __pi_keyring_exec_has_command' -a -- -d 'The command to run follows'
complete -c pi-keyring -n __pi_keyring_exec_has_command -a '(__pi_keyring_exec_complete_command)'
complete -c pi-keyring -n '__pi_keyring_using daemon' -l replace -d 'Take the place of a running daemon'
