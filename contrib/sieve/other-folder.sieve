# other-folder.sieve - file SSMP mail from senders a user has not
# allow-listed into the folder "Other" (Sieve, RFC 5228; Dovecot
# Pigeonhole: install as the user's script, or include it from one).
#
# ssmpd prepends to every message it delivers
#   Authentication-Results: ssmp.example.com; ssmp=pass smtp.mailfrom=...
#   SSMP-Trust: trusted | known | unknown
# where ssmp.example.com is ssmp.conf's Hostname, and the tier comes
# from the recipient's allow-list ("ssmpctl allow ...").  "unknown" is
# only ever delivered with UnknownSender tag.  ssmpd drops SSMP-Trust
# fields the sender put in; Postfix's header_checks.ssmp drops both
# fields from mail that did not come through ssmpd.  Testing our own
# authserv-id as well guards against a setup that forgot the latter.

require ["fileinto", "mailbox"];

if header :matches "Authentication-Results" "ssmp.example.com; ssmp=pass *" {
	# Signed by the sender's domain, but not in the allow-list.
	if header :is "SSMP-Trust" "unknown" {
		fileinto :create "Other";
		stop;
	}
	# Verified mail from an allow-listed sender: the inbox, whatever
	# rules further down (spam filing) would say.
	if header :is "SSMP-Trust" ["trusted", "known"] {
		keep;
		stop;
	}
}
