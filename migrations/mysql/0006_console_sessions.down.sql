DROP TABLE IF EXISTS console_sign_in_links;
DROP TABLE IF EXISTS console_sessions;
