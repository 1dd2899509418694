# zsh-complete.zsh: prints, one a line, the candidates zsh's completion
# system offers for a command line, as a Tab at its end would.
#
# Usage: zsh -f zsh-complete.zsh FPATH_DIR 'COMMAND LINE'
#
# It runs an interactive zsh in a pseudo-terminal (zpty), loads compinit with
# FPATH_DIR first in $fpath, and replaces compadd by a function that prints
# what the real compadd would add (after zsh's own matching against the word
# being completed), between two NUL lines.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

emulate -L zsh
zmodload zsh/zpty || exit 77

fpath_dir=$1
line=$2

zpty z zsh -f -i

zpty -w z "PROMPT= RPROMPT= PS2=; setopt interactive_comments; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "fpath=(${(q)fpath_dir} \$fpath)"
zpty -w z 'autoload -U compinit && compinit -u -D'
zpty -w z 'bindkey "^I" complete-word'
zpty -w z '_pkc_nul() { print -rn -- $'"'"'\0\n'"'"' }'
zpty -w z 'compprefuncs=(_pkc_nul) comppostfuncs=(_pkc_nul exit)'
zpty -w z 'zstyle ":completion:*" list-grouped false'
zpty -w z 'zstyle ":completion:*" insert-tab false'
zpty -w z 'compadd() {
  # Calls that only filter (-O, -A, -D) add nothing: leave them alone.
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "$@"
    return $?
  fi
  local -a _pkc_hits
  builtin compadd -A _pkc_hits "$@"
  local _pkc_h
  for _pkc_h in $_pkc_hits; do
    print -r -- "$IPREFIX$_pkc_h"
  done
  builtin compadd "$@"
}'
zpty -w z 'print -r -- PKC""READY'

# Wait for the shell to be set up.
while zpty -r z out; do
  [[ $out == *PKC*READY* && $out != *'""'* ]] && break
done

zpty -w -n z "$line"$'\t'

# Everything between the two NUL lines is the candidates.
integer seen=0
typeset -a got
while zpty -r z out; do
  if [[ $out == *$'\0'* ]]; then
    (( seen++ ))
    (( seen == 2 )) && break
    continue
  fi
  (( seen == 1 )) && got+=("${${out%$'\n'}%$'\r'}")
done
zpty -d z

(( seen == 2 )) || { print -u2 "zsh-complete.zsh: no completion ran"; exit 1 }
print -rl -- ${(u)got}
