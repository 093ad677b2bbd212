// libmariadb's client API (Debian: libmariadb-dev, pkg-config libmariadb).
#include <mysql.h>
