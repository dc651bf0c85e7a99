/*
 * certcheck.c - the TLS certificate's validity period (certcheck.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certcheck.h"

time_t
certcheck_not_after(const char *path)
{
	FILE *f;
	X509 *x;
	struct tm tm;
	time_t t = 0;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return 0;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x != NULL && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		t = timegm(&tm);
	X509_free(x);
	return t;
}

int
certcheck_dates(const char *path, int warn_days, long *days_left,
    char *warn, size_t wlen, struct ssmp_err *err)
{
	FILE *f;
	X509 *x;
	int day, sec;

	warn[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return ssmp_err_set(err, "TLSCertificate %s: %s", path,
		    strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		return ssmp_err_set(err, "TLSCertificate %s: no PEM "
		    "certificate", path);
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
		X509_free(x);
		return ssmp_err_set(err, "TLSCertificate %s: not valid yet "
		    "(is the clock right?)", path);
	}
	if (ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(x)) != 1) {
		X509_free(x);
		return ssmp_err_set(err, "TLSCertificate %s: unreadable "
		    "expiry date", path);
	}
	X509_free(x);
	*days_left = day;
	if (day < 0 || (day == 0 && sec <= 0))
		return ssmp_err_set(err, "TLSCertificate %s: expired %d days "
		    "ago", path, day < 0 ? -day : 0);
	if (day < warn_days)
		snprintf(warn, wlen, "TLSCertificate %s: expires in %d days",
		    path, day);
	return 0;
}
