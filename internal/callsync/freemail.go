package callsync

// freemailDomains are shared mailbox providers: an address there says nothing
// about the company a participant works for, so it never picks a company.
// IGNORED_DOMAINS adds to this list. A subdomain of a listed domain is shared
// too (see domainOrParentIn).
var freemailDomains = []string{
	// Google
	"gmail.com", "googlemail.com",
	// Yahoo (any yahoo.* is caught by freemailBrands)
	"yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.co.jp", "yahoo.com.br", "ymail.com", "rocketmail.com",
	// Microsoft
	"outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "live.com", "live.co.uk", "msn.com",
	// Apple
	"icloud.com", "me.com", "mac.com",
	// AOL, Proton, Zoho, Fastmail, HEY, Tuta, mail.com
	"aol.com", "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "zoho.com", "zohomail.com",
	"fastmail.com", "hey.com", "tutanota.com", "tuta.io", "mail.com",
	// Europe
	"gmx.com", "gmx.net", "gmx.de", "web.de", "t-online.de", "orange.fr", "free.fr", "laposte.net", "libero.it", "seznam.cz",
	// Russia, China, Korea, India
	"mail.ru", "yandex.ru", "yandex.com", "qq.com", "163.com", "126.com", "naver.com", "hanmail.net", "rediffmail.com",
	// US internet providers
	"comcast.net", "verizon.net", "att.net", "sbcglobal.net",
}

// freemailBrands are providers that run the same free service under many
// country domains (yahoo.*, hotmail.*, gmx.*, yandex.*): a registrable domain
// whose first label is one of these is shared whatever its public suffix.
var freemailBrands = []string{"yahoo", "hotmail", "gmx", "yandex"}
