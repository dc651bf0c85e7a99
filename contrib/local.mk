# contrib: integration examples (systemd, Postfix, Sendmail, Exim, Sieve).
# Nothing is built or installed; they ship in the tarball and t/contrib.t
# checks them with the real tools.
EXTRA_DIST += \
	contrib/README \
	contrib/ssmp.conf.example \
	contrib/systemd/ssmpd.service \
	contrib/systemd/ssmp-milter.service \
	contrib/systemd/ssmp.sysusers \
	contrib/systemd/ssmp.tmpfiles \
	contrib/postfix/README \
	contrib/postfix/main.cf.milter \
	contrib/postfix/master.cf.submission \
	contrib/postfix/main.cf.inbound \
	contrib/postfix/master.cf.inbound \
	contrib/postfix/header_checks.ssmp \
	contrib/postfix/ssmp-domains.example \
	contrib/postfix/master.cf.pipe \
	contrib/postfix/main.cf.pipe \
	contrib/postfix/transport.ssmp \
	contrib/sendmail/ssmp-milter.mc \
	contrib/exim/README \
	contrib/exim/conf.d/main/000_ssmp_macros \
	contrib/exim/conf.d/router/150_ssmp \
	contrib/exim/conf.d/transport/30_ssmp \
	contrib/sieve/other-folder.sieve \
	contrib/prometheus/ssmp.yml

TESTS += t/contrib.t
EXTRA_DIST += t/contrib.t
