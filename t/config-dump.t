#!/bin/sh
# config-dump.t - the effective configuration, as postconf(1) shows
# Postfix's: "ssmpd -p" and "ssmpctl config [-n|-d] [KEY...]" print each
# key, its value and where it comes from (FILE:LINE or default); every
# key of ssmp.conf(5) is there; "-n" output read back gives the same
# configuration.
. "$top_srcdir/t/lib.sh"
SSMPD=$top_builddir/bridge/ssmpd
CTL=$top_builddir/tools/ssmpctl

C=$TMP/ssmp.conf
cat >"$C" <<EOC
# a comment
Syslog no
Window 120s
MaxMessageSize 9m
InternalHosts 10.0.0.0/8
InternalHosts 192.0.2.0/24
Database $TMP/db
UserID nobody
EOC
all=$("$SSMPD" -p -c "$C"); rc=$?
is "$rc" 0 "ssmpd -p: exit 0"
like "$all" "^Window	2m	# $C:3$" "a key set in the file: its value and FILE:LINE"
like "$all" "^InternalHosts	10\\.0\\.0\\.0/8, 192\\.0\\.2\\.0/24	# $C:5$" "a list over two lines: both values, the first line"
like "$all" "^SpoolDirectory	$TMP/db/spool	# default$" "a default that follows another key: its effective value"
like "$all" "^MaxConnections	10000	# default$" "a plain default"
like "$all" "^#KeyTable		# not set$" "a key without value or default: commented, not set"
like "$all" "^MaxMessageSize	9m	# $C:4$" "sizes with their suffix"

# Every key of ssmp.conf(5) is in the dump, and nothing else.
man=$(grep '^\.It Cm ' "$top_srcdir/man/ssmp.conf.5" |
    grep -o 'Cm [A-Z][A-Za-z]*' | sed 's/^Cm //' | sort -u)
dumped=$(echo "$all" | sed 's/^#//; s/\t.*//' | sort -u)
is "$dumped" "$man" "every key of ssmp.conf(5) is dumped, and only those"

is "$("$CTL" -c "$C" config)" "$all" "ssmpctl config: the same as ssmpd -p"
set_only=$("$CTL" -c "$C" config -n)
is "$(echo "$set_only" | sed 's/\t.*//' | tr '\n' ' ')" \
    "Syslog UserID Database MaxMessageSize Window InternalHosts " \
    "config -n: only the keys the file sets (in the order of ssmp.conf(5))"
like "$("$CTL" -c "$C" config -d)" "^Window	5m	# default$" "config -d: the defaults, the file ignored"
is "$("$CTL" -c "$C" config window database)" \
"Window	2m	# $C:3
Database	$TMP/db	# $C:7" "config KEY...: those keys, any case, in that order"
out=$("$CTL" -c "$C" config Windoe 2>&1); rc=$?
is "$rc $out" "64 ssmpctl: config: unknown key 'Windoe'" "an unknown key: named, exit 64"
echo "Windoe 3" >>"$C"
out=$("$SSMPD" -p -c "$C" 2>&1); rc=$?
like "$rc $out" "^1 ssmpd: $C:9: unknown key 'Windoe'" "a bad file: its error, exit 1"
sed -i '$d' "$C"

# config -n is a configuration file: read back, it dumps the same.
echo "$set_only" >"$TMP/again.conf"
is "$("$SSMPD" -p -c "$TMP/again.conf" | sed 's/\t# .*//')" \
    "$(echo "$all" | sed 's/\t# .*//')" "config -n read back: the same values"
done_testing
