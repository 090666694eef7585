# Fills @STATE_DIR@, @DM_PATH@ and @VERSION@ of acrnd.8.in from the
# environment variables of the same names.  The values are installation
# paths, which may be long or contain characters special to roff: each
# is escaped for roff (\ - " and spaces), and every "/" is followed by a
# zero-width break point (\:) so that groff can break a long path instead
# of warning that it cannot adjust the line.  Values come through the
# environment, not a sed script, so no character in them is special here.

function roff_escape(s, is_path,    out, c, i)
{
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\")
			c = "\\e"
		else if (c == "-")
			c = "\\-"
		else if (c == "\"")
			c = "\\(dq"
		else if (c == " ")
			c = "\\ "
		else if (c == "/" && is_path && i < length(s))
			c = "/\\:"
		out = out c
	}
	return out
}

# Every @key@ in line replaced by value, without regular expressions.
function replace_all(line, key, value,    out, at)
{
	out = ""
	while ((at = index(line, key)) > 0) {
		out = out substr(line, 1, at - 1) value
		line = substr(line, at + length(key))
	}
	return out line
}

BEGIN {
	n = split("STATE_DIR DM_PATH VERSION", keys, " ")
	for (k = 1; k <= n; k++) {
		if (!(keys[k] in ENVIRON) || ENVIRON[keys[k]] == "") {
			print "man-subst.awk: " keys[k] " is not set" > "/dev/stderr"
			exit 1
		}
		value[keys[k]] = roff_escape(ENVIRON[keys[k]], keys[k] != "VERSION")
	}
}

{
	for (k = 1; k <= n; k++)
		$0 = replace_all($0, "@" keys[k] "@", value[keys[k]])
	print
}
