-- wrk script: requests the paths listed in the file named by WRK_PATHS (one
-- a line), in turn, and checks every answer: status 200, a body that ends
-- with </html>, and when WRK_MARKER is set (a Lua pattern such as
-- "folio%-v=%d+") exactly one match of it. WRK_ANY=1 accepts any status
-- and body (load only). At the end prints one line:
--   check: requests N bad_status N incomplete N no_marker N
-- wrk's own totals (socket errors, non-2xx) come before it.

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	paths = {}
	local f = io.open(os.getenv("WRK_PATHS") or "", "r")
	if f then
		for line in f:lines() do
			if line ~= "" then
				table.insert(paths, line)
			end
		end
		f:close()
	end
	if #paths == 0 then
		paths = { "/" }
	end
	any = os.getenv("WRK_ANY") == "1"
	marker = os.getenv("WRK_MARKER")
	if marker == "" then
		marker = nil
	end
	idx = 0
	seen = 0
	bad_status = 0
	incomplete = 0
	no_marker = 0
end

function request()
	idx = idx % #paths + 1
	return wrk.format("GET", paths[idx])
end

function response(status, headers, body)
	seen = seen + 1
	if any then
		return
	end
	if status ~= 200 then
		bad_status = bad_status + 1
		return
	end
	if body == nil or not body:find("</html>%s*$") then
		incomplete = incomplete + 1
		return
	end
	if marker then
		local n = 0
		for _ in body:gmatch(marker) do
			n = n + 1
		end
		if n ~= 1 then
			no_marker = no_marker + 1
		end
	end
end

function done(summary, latency, requests)
	local t = { seen = 0, bad_status = 0, incomplete = 0, no_marker = 0 }
	for _, thread in ipairs(threads) do
		for k, _ in pairs(t) do
			t[k] = t[k] + (thread:get(k) or 0)
		end
	end
	local e = summary.errors
	io.write(string.format("check: requests %d bad_status %d " ..
	    "incomplete %d no_marker %d socket_errors %d\n", t.seen,
	    t.bad_status, t.incomplete, t.no_marker,
	    e.connect + e.read + e.write + e.timeout))
end
