# debian: the Debian package (dpkg-buildpackage -us -uc -b in the tree).
# Nothing here is built by make; the files ship in the tarball so that
# it can be packaged too, and t/package-deb.t builds, lints, installs,
# runs and purges the package.
EXTRA_DIST += \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/rules \
	debian/source/format \
	debian/ssmp.conf.head \
	debian/ssmp-gateway.docs \
	debian/ssmp-gateway.examples \
	debian/ssmp-gateway.lintian-overrides \
	debian/ssmp-gateway.postinst \
	debian/ssmp-gateway.postrm \
	debian/ssmp-gateway.prerm

TESTS += t/package-deb.t
EXTRA_DIST += t/package-deb.t
