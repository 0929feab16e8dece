import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { errorResponse } from "../http/responses";
import { handleProxy, onlyMethods, readJsonBody } from "../proxy/edge.server";
import { recommendationsFor } from "../recommendations/recommend.server";
import { CONCERNS, profileFromQuiz } from "../recommendations/rules";

const quiz = z.object({
  concerns: z.array(z.enum(CONCERNS)).max(CONCERNS.length),
  toneGroup: z.string().max(32).optional(),
});

/**
 * POST /apps/skin-scan/recommendations: the quiz for shoppers who decline the camera. Answers are
 * used for this answer only; nothing is stored, so no consent record is needed.
 */
export const action = ({ request }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, db }) => {
    const parsed = quiz.safeParse(await readJsonBody(request));
    if (!parsed.success)
      return errorResponse(400, "invalid_quiz", `concerns must be a list of: ${CONCERNS.join(", ")}.`);
    const profile = profileFromQuiz(parsed.data.concerns, parsed.data.toneGroup ?? null);
    return Response.json({ recommendations: await recommendationsFor(db, shop, profile) });
  });

export const loader = onlyMethods("POST");
